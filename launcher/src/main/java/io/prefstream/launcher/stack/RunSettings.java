package io.prefstream.launcher.stack;

import io.prefstream.launcher.RunProfile;
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
    /** Rollouts a generator may sample per version beyond what one iteration consumes. */
    static final double BUDGET_MARGIN = 1.25;

    private RunSettings() {
    }

    /** Streaming (bounded staleness) or iterative (synchronous rounds, the iterative-DPO protocol). */
    public enum Mode { STREAMING, ITERATIVE }

    /**
     * @param steps          trainer.max-steps (0 = run until stopped)
     * @param onlineFraction batcher.online-fraction, or null for the profile's
     * @param device         auto, cpu or gpu for generator and trainer
     * @param labeling       labeler and join settings of the chosen labeling
     * @param httpPort       labeling UI port (0 = any free one)
     */
    public static Map<String, String> base(RunProfile profile, String task, String objective, long steps,
                                           Double onlineFraction, Mode mode, long seed, Path reference,
                                           String device, Map<String, String> labeling, int httpPort,
                                           int maxResponseTokens) {
        var m = new LinkedHashMap<>(profile.services());
        m.put("trainer.task", task);
        m.put("trainer.objective", objective);
        m.put("trainer.reference-dir", reference.toAbsolutePath().toString());
        m.put("trainer.max-steps", Long.toString(steps));
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
            // A round: the generator samples its budget with version v and waits; the trainer takes
            // STEPS_PER_ITERATION batches, then publishes v+1. The budget must cover a round's online
            // items, or both would wait for each other.
            int batch = Integer.parseInt(m.getOrDefault("batcher.batch-size", "16"));
            double fraction = Double.parseDouble(m.getOrDefault("batcher.online-fraction", "0.5"));
            long perRound = Math.max(1, Math.round(batch * fraction)) * (long) STEPS_PER_ITERATION;
            m.put("trainer.steps-per-iteration", Integer.toString(STEPS_PER_ITERATION));
            // The batcher hears of the trainer's progress only at publications (once per round).
            m.put("batcher.max-ahead", Integer.toString(STEPS_PER_ITERATION + 2));
            m.put("generator.budget-per-version", Long.toString((long) Math.ceil(perRound * BUDGET_MARGIN)));
        }
        m.putAll(labeling);
        m.put("labeler.http.host", "127.0.0.1");
        m.put("labeler.http.port", Integer.toString(httpPort));
        return m;
    }
}
