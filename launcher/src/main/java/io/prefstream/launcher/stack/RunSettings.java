package io.prefstream.launcher.stack;

import io.prefstream.generator.GeneratorSettings;
import io.prefstream.labeler.HumanRoute;
import io.prefstream.labeler.LabelerSettings;
import io.prefstream.launcher.RunProfile;
import io.prefstream.model.DeviceSetting;
import io.prefstream.platform.config.LoopMode;
import io.prefstream.platform.config.ResolvedConfig;
import io.prefstream.platform.config.Setting;
import io.prefstream.platform.config.SettingValues;
import io.prefstream.trainer.TrainerSettings;
import io.prefstream.trainer.objective.DataKind;
import io.prefstream.trainer.objective.ObjectiveParams;
import io.prefstream.trainer.objective.ObjectiveSettings;
import io.prefstream.trainer.objective.Objectives;
import io.prefstream.trainer.objective.Requirements;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

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

    /**
     * What an all-in-one command decides on top of its profile, named rather than positional:
     * {@code RunSettings.run(profile).task("arithmetic").objective("online-dpo").reference(dir).base()}.
     * Unset values: {@code steps} 0 (run until stopped), {@code onlineFraction} the profile's,
     * {@code mode} streaming, {@code seed} 0, {@code device} auto, no labeling settings,
     * {@code httpPort} 0 (any free port), {@code maxResponseTokens} the generator's default.
     */
    public static Run run(RunProfile profile) {
        return new Run(profile);
    }

    /** The builder of {@link #run}; {@link #base()} gives the settings the run starts from. */
    public static final class Run {
        private final RunProfile profile;
        private String task;
        private String objective;
        private long steps;
        private Double onlineFraction;
        private LoopMode mode = LoopMode.STREAMING;
        private long seed;
        private Path reference;
        private String device = "auto";
        private Map<String, String> labeling = Map.of();
        private int httpPort;
        private Integer maxResponseTokens;

        private Run(RunProfile profile) {
            this.profile = Objects.requireNonNull(profile, "profile");
        }

        /** trainer.task */
        public Run task(String task) {
            this.task = task;
            return this;
        }

        /** trainer.objective */
        public Run objective(String objective) {
            this.objective = objective;
            return this;
        }

        /** trainer.max-steps (0 = run until stopped, with a constant learning rate) */
        public Run steps(long steps) {
            this.steps = steps;
            return this;
        }

        /** batcher.online-fraction, or null for the profile's */
        public Run onlineFraction(Double onlineFraction) {
            this.onlineFraction = onlineFraction;
            return this;
        }

        /** generator.mode and trainer.mode */
        public Run mode(LoopMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** the seed of evaluation, pair strategy, batcher and generator */
        public Run seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** trainer.reference-dir (made absolute) */
        public Run reference(Path reference) {
            this.reference = reference;
            return this;
        }

        /** auto, cpu or gpu for generator and trainer (as typed after {@code --device}) */
        public Run device(String device) {
            this.device = device;
            return this;
        }

        /** labeler and join settings of the chosen labeling */
        public Run labeling(Map<String, String> labeling) {
            this.labeling = Map.copyOf(labeling);
            return this;
        }

        /** labeler.http.port of the labeling UI (0 = any free one) */
        public Run httpPort(int httpPort) {
            this.httpPort = httpPort;
            return this;
        }

        /** generator.max-new-tokens */
        public Run maxResponseTokens(int maxResponseTokens) {
            this.maxResponseTokens = maxResponseTokens;
            return this;
        }

        /** The profile's settings, then this run's, then the labeling's: the base of {@link #resolve}. */
        public Map<String, String> base() {
            Objects.requireNonNull(task, "task");
            Objects.requireNonNull(objective, "objective");
            Objects.requireNonNull(reference, "reference");
            DeviceSetting deviceSetting = TrainerSettings.DEVICE.parse(device, "--device " + device);
            var run = new SettingValues()
                    .put(TrainerSettings.TASK, task)
                    .put(TrainerSettings.OBJECTIVE, objective)
                    .put(TrainerSettings.REFERENCE_DIR, reference.toAbsolutePath())
                    .put(TrainerSettings.MAX_STEPS, steps);
            if (steps == 0) {
                // a cosine needs a horizon; an open-ended run has none
                run.put(TrainerSettings.LR_SCHEDULE, TrainerSettings.LrSchedule.CONSTANT);
            }
            run.put(TrainerSettings.DEVICE, deviceSetting)
                    .put(TrainerSettings.EVAL_SEED, seed)
                    .put(ObjectiveSettings.SEED, seed)
                    .put(TrainerSettings.BATCHER_SEED, seed)
                    .put(GeneratorSettings.SEED, seed)
                    .put(GeneratorSettings.DEVICE, deviceSetting);
            if (maxResponseTokens != null) {
                run.put(GeneratorSettings.MAX_NEW_TOKENS, maxResponseTokens);
            }
            if (onlineFraction != null) {
                run.put(TrainerSettings.ONLINE_FRACTION, onlineFraction);
            }
            run.put(GeneratorSettings.MODE, mode).put(TrainerSettings.MODE, mode);
            if (mode == LoopMode.ITERATIVE) {
                run.put(TrainerSettings.STEPS_PER_ITERATION, STEPS_PER_ITERATION);
            }
            var m = new LinkedHashMap<>(profile.services());
            m.putAll(run.asText());
            m.putAll(labeling);
            var ui = new SettingValues();
            if (value(m, LabelerSettings.HUMAN_ROUTE) == HumanRoute.ALL) {
                // people are the only labelers: tell them how many labels the trainer's next step needs
                long perStep =
                        Math.round(value(m, TrainerSettings.BATCH_SIZE) * value(m, TrainerSettings.ONLINE_FRACTION));
                ui.put(LabelerSettings.HUMAN_LABELS_PER_STEP, Math.toIntExact(perStep));
            }
            ui.put(LabelerSettings.HTTP_HOST, "127.0.0.1").put(LabelerSettings.HTTP_PORT, httpPort);
            m.putAll(ui.asText());
            return m;
        }

        /** The value {@code values} give {@code setting}, or its default. */
        private static <T> T value(Map<String, String> values, Setting<T> setting) {
            String text = values.get(setting.key());
            return text == null ? setting.defaultValue() : setting.parse(text, "profile");
        }
    }
}
