package io.prefstream.launcher.stack;

import io.prefstream.generator.GeneratorSettings;
import io.prefstream.launcher.RunProfile;
import io.prefstream.platform.config.LoopMode;
import io.prefstream.platform.config.ResolvedConfig;
import io.prefstream.platform.config.Setting;
import io.prefstream.trainer.TrainerSettings;
import io.prefstream.trainer.objective.DataKind;
import io.prefstream.trainer.objective.ObjectiveParams;
import io.prefstream.trainer.objective.Objectives;
import io.prefstream.trainer.objective.Requirements;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The service settings an all-in-one run starts from, before any {@code --config} file,
 * {@code PREFSTREAM_*} variable or {@code --set} flag: the profile's values plus what the
 * command's options decide (objective, steps, mode, seeds, where π_ref lives).
 */
public final class RunSettings {

    /** Trainer steps per iteration in iterative mode (one policy version per iteration). */
    static final int STEPS_PER_ITERATION = 10;
    /** Generator budget per version relative to what the trainer consumes per version. */
    static final double BUDGET_MARGIN = 1.25;

    private RunSettings() {}

    /**
     * Resolves the all-in-one settings (base, then file, environment and flags) and derives the
     * generator's pacing from the trainer's cadence, unless a file, variable or flag set it:
     * a generator may sample {@code generator.budget-per-version} rollouts per policy version (and
     * {@code generator.max-staleness} budgets ahead), while the trainer publishes a version only
     * after {@code trainer.checkpoint-every} steps (iterative: {@code trainer.steps-per-iteration})
     * of {@code round(batcher.batch-size × batcher.online-fraction)} online items each. A budget
     * below that makes both wait for each other, so it is set to what one version consumes plus
     * {@value #BUDGET_MARGIN}× headroom. The batcher hears of the trainer's progress only once per
     * published version, so a profile's {@code batcher.max-ahead} that does not exceed the steps
     * between two publications (e.g. after {@code --set trainer.checkpoint-every=10}) is raised to
     * those steps + 2.
     */
    public static ResolvedConfig resolve(Map<String, String> base, Path file, Map<String, String> overrides) {
        return ServiceStack.settings(derive(base, file, overrides), file, overrides);
    }

    /**
     * {@code base} plus the values {@link #resolve} derives from the trainer's cadence (the
     * generator's per-version budget, the batcher's look-ahead) where the user left them at their
     * defaults: the inputs that, with {@code file} and {@code overrides}, give every service's settings.
     */
    public static Map<String, String> derive(Map<String, String> base, Path file, Map<String, String> overrides) {
        ResolvedConfig first = ServiceStack.settings(base, file, overrides);
        var derived = new LinkedHashMap<>(base);
        boolean iterative = first.get(TrainerSettings.MODE) == LoopMode.ITERATIVE;
        int stepsPerVersion = iterative
                ? first.get(TrainerSettings.STEPS_PER_ITERATION)
                : first.get(TrainerSettings.CHECKPOINT_EVERY);
        long online = Math.round(first.get(TrainerSettings.BATCH_SIZE) * first.get(TrainerSettings.ONLINE_FRACTION));
        long perVersion = Math.max(1, online) * stepsPerVersion;
        if (isDefault(first, GeneratorSettings.BUDGET_PER_VERSION)) {
            derived.put(GeneratorSettings.BUDGET_PER_VERSION.key(), Long.toString((long)
                    Math.ceil(perVersion * BUDGET_MARGIN)));
        }
        int maxAhead = first.get(TrainerSettings.MAX_AHEAD); // 0 = the trainer's own default, which fits any cadence
        if (isDefault(first, TrainerSettings.MAX_AHEAD) && maxAhead != 0 && maxAhead <= stepsPerVersion) {
            derived.put(TrainerSettings.MAX_AHEAD.key(), Integer.toString(stepsPerVersion + 2));
        }
        return derived;
    }

    /** Whether nobody but the defaults or the run's own base values chose this setting. */
    private static boolean isDefault(ResolvedConfig config, Setting<?> setting) {
        String source = config.sourceOf(setting);
        return source.equals("default") || source.equals("profile");
    }

    /**
     * The batch mix a run uses when the user chose none ({@code --online-fraction}): null (the
     * profile's) unless {@code objective} requires offline pairs. Then 0.5 when it also requires
     * online data (HyPO: offline pairs and unlabeled groups in every batch), 0 when it uses no
     * online data at all.
     */
    public static Double defaultOnlineFraction(String objective) {
        Requirements needs =
                Objectives.create(objective, ObjectiveParams.defaults()).requirements();
        if (!needs.required().contains(DataKind.OFFLINE_PAIRS)) {
            return null;
        }
        boolean online = needs.accepted().stream().anyMatch(k -> k != DataKind.OFFLINE_PAIRS);
        return online ? 0.5 : 0.0;
    }

    /** Streaming (bounded staleness) or iterative (synchronous rounds, the iterative-DPO protocol). */
    public enum Mode {
        STREAMING,
        ITERATIVE
    }

    /**
     * @param steps          trainer.max-steps (0 = run until stopped)
     * @param onlineFraction batcher.online-fraction, or null for the profile's
     * @param device         auto, cpu or gpu for generator and trainer
     * @param labeling       labeler and join settings of the chosen labeling
     * @param httpPort       labeling UI port (0 = any free one)
     */
    public static Map<String, String> base(
            RunProfile profile,
            String task,
            String objective,
            long steps,
            Double onlineFraction,
            Mode mode,
            long seed,
            Path reference,
            String device,
            Map<String, String> labeling,
            int httpPort,
            int maxResponseTokens) {
        var m = new LinkedHashMap<>(profile.services());
        m.put("trainer.task", task);
        m.put("trainer.objective", objective);
        m.put("trainer.reference-dir", reference.toAbsolutePath().toString());
        m.put("trainer.max-steps", Long.toString(steps));
        if (steps == 0) {
            m.put("trainer.lr-schedule", "constant"); // a cosine needs a horizon; an open-ended run has none
        }
        m.put("trainer.device", device);
        m.put("trainer.eval-seed", Long.toString(seed));
        m.put("trainer.seed", Long.toString(seed));
        m.put("batcher.seed", Long.toString(seed));
        m.put("generator.seed", Long.toString(seed));
        m.put("generator.device", device);
        m.put("generator.max-new-tokens", Integer.toString(maxResponseTokens));
        if (onlineFraction != null) {
            m.put("batcher.online-fraction", Double.toString(onlineFraction));
        }
        m.put("generator.mode", mode.name().toLowerCase(Locale.ROOT));
        m.put("trainer.mode", mode.name().toLowerCase(Locale.ROOT));
        if (mode == Mode.ITERATIVE) {
            m.put("trainer.steps-per-iteration", Integer.toString(STEPS_PER_ITERATION));
        }
        m.putAll(labeling);
        if ("all".equals(labeling.get("labeler.human.route"))) {
            // people are the only labelers: tell them how many labels the trainer's next step needs
            double fraction = Double.parseDouble(m.getOrDefault("batcher.online-fraction", "0.5"));
            long perStep = Math.round(Integer.parseInt(m.getOrDefault("batcher.batch-size", "16")) * fraction);
            m.put("labeler.human.labels-per-step", Long.toString(perStep));
        }
        m.put("labeler.http.host", "127.0.0.1");
        m.put("labeler.http.port", Integer.toString(httpPort));
        return m;
    }
}
