package io.prefstream.trainer;

import io.prefstream.model.DeviceSetting;
import io.prefstream.platform.config.CommonSettings;
import io.prefstream.platform.config.LoopMode;
import io.prefstream.platform.config.Setting;
import io.prefstream.platform.config.SettingSet;
import io.prefstream.trainer.batcher.OnlineSource;
import io.prefstream.trainer.objective.ObjectiveSettings;
import io.prefstream.trainer.objective.Objectives;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The trainer service's settings: {@code trainer.*} for the training loop and {@code batcher.*}
 * for the batcher topology. Relative paths are resolved against {@code data.dir}. The objective
 * hyper-parameters ({@code trainer.beta}, ...) are declared by {@link ObjectiveSettings}, whose
 * validators the objectives' {@code ObjectiveParams} also use.
 */
public final class TrainerSettings {

    private TrainerSettings() {}

    /** Learning-rate schedule after the warm-up. */
    public enum LrSchedule {
        COSINE,
        CONSTANT
    }

    // ---- identity and inputs -----------------------------------------------------------------

    public static final Setting<String> POLICY_NAME = Setting.string(
                    "trainer.policy-name",
                    "policy",
                    "Name of the trained policy: key of its policy-updates and metrics records")
            .validatedBy(s -> s.matches("[A-Za-z0-9._-]+"), "letters, digits, '.', '_' or '-' only");
    public static final Setting<String> TASK = Setting.string(
            "trainer.task", "arithmetic", "Task whose held-out prompts and gold reward drive evaluation");
    public static final Setting<Path> REFERENCE_DIR = Setting.path(
            "trainer.reference-dir",
            Path.of("reference"),
            "Reference policy pi_ref: a checkpoint made by 'prefstream sft' or a Hugging Face model folder; "
                    + "relative to data.dir");
    public static final Setting<Path> CHECKPOINT_DIR = Setting.path(
            "trainer.checkpoint-dir",
            Path.of("checkpoints"),
            "Directory of the trainer's checkpoints (a shared volume when generators run elsewhere); "
                    + "relative to data.dir");
    public static final Setting<Integer> CHECKPOINT_RETENTION = Setting.integer(
            "trainer.checkpoint-retention",
            3,
            1,
            10_000,
            "Number of most recent checkpoints kept; older ones are deleted");
    public static final Setting<Boolean> EXPORT_HF = Setting.bool(
            "trainer.export-hf",
            false,
            "Also write model.safetensors into every checkpoint of a Hugging Face policy (llama, qwen2, gpt2), so "
                    + "each published version's directory loads in transformers or vLLM as it is");
    public static final Setting<String> GROUP_ID = Setting.string(
            "trainer.group-id",
            "prefstream-trainer",
            "Consumer group of the training loop; it commits the position stored in each checkpoint");
    public static final Setting<DeviceSetting> DEVICE = Setting.enumValue(
            "trainer.device",
            DeviceSetting.class,
            DeviceSetting.AUTO,
            "Where the policy trains: auto (GPU when visible), cpu or gpu");

    // ---- objective -----------------------------------------------------------------------------

    public static final Setting<String> OBJECTIVE = Setting.string(
                    "trainer.objective",
                    "online-dpo",
                    "Preference objective, one of " + Objectives.names() + " or an alias "
                            + Objectives.aliases().keySet())
            .validatedBy(
                    TrainerSettings::isObjective,
                    "one of " + Objectives.names() + " or "
                            + Objectives.aliases().keySet());
    public static final Setting<List<String>> REWARD_KINDS = Setting.list(
                    "trainer.reward-kinds",
                    List.of("RULE", "REWARD_MODEL", "REMOTE_RM", "AI_JUDGE", "HUMAN"),
                    "Label kinds whose mean scores serve as rewards of a labeled rollout, in order of preference")
            .validatedBy(
                    TrainerSettings::areLabelKinds,
                    "a non-empty comma-separated list of RULE, REWARD_MODEL, REMOTE_RM, AI_JUDGE, HUMAN");
    public static final Setting<Double> TEMPERATURE = Setting.doubleValue(
            "trainer.temperature",
            1.0,
            1e-3,
            100.0,
            "Temperature of log-probs of offline pairs; online data uses its rollout's sampling temperature");

    // ---- optimisation --------------------------------------------------------------------------

    public static final Setting<Double> LR =
            Setting.doubleValue("trainer.lr", 5e-4, 1e-9, 10.0, "Peak learning rate of AdamW");
    public static final Setting<Integer> WARMUP_STEPS =
            Setting.integer("trainer.warmup-steps", 10, 0, 1_000_000, "Linear learning-rate warm-up steps");
    public static final Setting<LrSchedule> LR_SCHEDULE = Setting.enumValue(
            "trainer.lr-schedule",
            LrSchedule.class,
            LrSchedule.CONSTANT,
            "After warm-up: constant, or cosine decay to min-lr-ratio at trainer.max-steps "
                    + "(cosine needs trainer.max-steps > 0)");
    public static final Setting<Double> MIN_LR_RATIO = Setting.doubleValue(
            "trainer.min-lr-ratio",
            0.1,
            0.0,
            1.0,
            "Final learning rate of the cosine schedule as a fraction of trainer.lr");
    public static final Setting<Double> WEIGHT_DECAY =
            Setting.doubleValue("trainer.weight-decay", 0.0, 0.0, 1.0, "AdamW decoupled weight decay on matrices");
    public static final Setting<Double> MAX_GRAD_NORM = Setting.doubleValue(
            "trainer.max-grad-norm", 1.0, 0.0, 1e6, "Global gradient-norm clip; 0 turns clipping off");
    public static final Setting<Long> MAX_STEPS = Setting.longValue(
            "trainer.max-steps",
            0L,
            0,
            Long.MAX_VALUE,
            "Stop after this many optimisation steps (final checkpoint, publish, eval); 0 = run forever");
    public static final Setting<LoopMode> MODE = Setting.enumValue(
            "trainer.mode",
            LoopMode.class,
            LoopMode.STREAMING,
            "streaming: publish every checkpoint; iterative: publish at iteration boundaries only, and each "
                    + "iteration trains only on samples of the policy it published last (lock-step rounds)");
    public static final Setting<Integer> STEPS_PER_ITERATION = Setting.integer(
            "trainer.steps-per-iteration",
            50,
            1,
            10_000_000,
            "Steps per iteration in iterative mode (publish, and refresh pi_ref with reference=refresh)");
    public static final Setting<Integer> CHECKPOINT_EVERY = Setting.integer(
            "trainer.checkpoint-every",
            20,
            1,
            10_000_000,
            "Write a checkpoint (and in streaming mode publish it) every this many steps");
    public static final Setting<Integer> REF_CACHE_SIZE = Setting.integer(
            "trainer.ref-cache-size",
            200_000,
            0,
            100_000_000,
            "Reference log-probs cached per (prompt, response, temperature); 0 = no cache");

    // ---- evaluation and metrics ----------------------------------------------------------------

    public static final Setting<Integer> EVAL_EVERY = Setting.integer(
            "trainer.eval-every",
            100,
            0,
            10_000_000,
            "Evaluate every this many steps (and at the end); 0 = only at the end");
    public static final Setting<Integer> EVAL_PROMPTS =
            Setting.integer("trainer.eval-prompts", 64, 1, 1_000_000, "Held-out prompts per evaluation");
    public static final Setting<Double> EVAL_TEMPERATURE =
            Setting.doubleValue("trainer.eval-temperature", 1.0, 1e-3, 100.0, "Sampling temperature of evaluation");
    public static final Setting<Long> EVAL_SEED = Setting.longValue(
            "trainer.eval-seed",
            0L,
            Long.MIN_VALUE,
            Long.MAX_VALUE,
            "Sampling seed of evaluation (the same at every evaluation, so curves compare)");
    public static final Setting<String> EVAL_REWARD_MODEL = new Setting<>(
            "trainer.eval-reward-model",
            "string",
            v -> v,
            "",
            "Reward-model checkpoint that also scores every evaluation's samples, reported as proxy_reward "
                    + "next to gold_reward (e.g. the one the labels come from, to see over-optimisation); empty = none; "
                    + "relative to data.dir",
            v -> true,
            "a checkpoint directory, or empty for none");
    public static final Setting<Integer> METRICS_EVERY =
            Setting.integer("trainer.metrics-every", 1, 1, 1_000_000, "Publish TRAIN metrics every this many steps");

    // ---- batcher -------------------------------------------------------------------------------

    public static final Setting<Boolean> BATCHER_ENABLED = Setting.bool(
            "batcher.enabled",
            true,
            "Run the batcher topology in this process (false when batches come from elsewhere)");
    public static final Setting<String> BATCHER_APPLICATION_ID = Setting.string(
                    "batcher.application-id", "prefstream-batcher", "Kafka Streams application id of the batcher")
            .validatedBy(s -> s.matches("[A-Za-z0-9._-]+"), "letters, digits, '.', '_' or '-' only");
    public static final Setting<Integer> BATCH_SIZE = Setting.integer(
            "batcher.batch-size", 16, 1, 100_000, "Items per training batch: offline pairs plus online rollouts");
    public static final Setting<Double> ONLINE_FRACTION = Setting.doubleValue(
            "batcher.online-fraction",
            0.5,
            0.0,
            1.0,
            "Fraction of each batch that is online data: round(size·f) online rollouts, the rest offline pairs");
    public static final Setting<OnlineSource> ONLINE_SOURCE = Setting.enumValue(
            "batcher.online-source",
            OnlineSource.class,
            OnlineSource.AUTO,
            "Online data: labeled rollouts (preferences), unlabeled rollout "
                    + "groups (rollouts), or auto (what the objective needs)");
    public static final Setting<Long> MAX_STALENESS = Setting.longValue(
            "batcher.max-staleness",
            2L,
            0,
            Long.MAX_VALUE,
            "Online records more than this many policy versions behind the latest go to "
                    + "prefstream.stale (in iterative mode the bound is 0: a round uses only its own policy's samples)");
    public static final Setting<Integer> MAX_AHEAD = Setting.integer(
            "batcher.max-ahead",
            0,
            0,
            10_000_000,
            "Batches the batcher may emit beyond the last one the trainer reported as consumed; 0 = twice the steps "
                    + "between two policy publications, so an online record is trained on at most "
                    + "batcher.max-staleness + 2 versions after the policy that sampled it");
    public static final Setting<Long> BATCHER_SEED = Setting.longValue(
            "batcher.seed", 0L, Long.MIN_VALUE, Long.MAX_VALUE, "Seed of the uniform sampling of offline pairs");

    /** Every trainer and batcher setting, without the common ones. */
    public static final SettingSet OWN = SettingSet.of(
            POLICY_NAME,
            TASK,
            REFERENCE_DIR,
            CHECKPOINT_DIR,
            CHECKPOINT_RETENTION,
            EXPORT_HF,
            GROUP_ID,
            DEVICE,
            OBJECTIVE,
            ObjectiveSettings.BETA,
            ObjectiveSettings.LABEL_SMOOTHING,
            ObjectiveSettings.LAMBDA,
            ObjectiveSettings.GAMMA,
            ObjectiveSettings.TRUNCATION,
            ObjectiveSettings.CLIP,
            ObjectiveSettings.ALPHA,
            ObjectiveSettings.BETA_PI,
            ObjectiveSettings.BETA_R,
            ObjectiveSettings.EXO_EPSILON,
            ObjectiveSettings.PAIR_STRATEGY,
            ObjectiveSettings.REFERENCE,
            ObjectiveSettings.SEED,
            REWARD_KINDS,
            TEMPERATURE,
            LR,
            WARMUP_STEPS,
            LR_SCHEDULE,
            MIN_LR_RATIO,
            WEIGHT_DECAY,
            MAX_GRAD_NORM,
            MAX_STEPS,
            MODE,
            STEPS_PER_ITERATION,
            CHECKPOINT_EVERY,
            REF_CACHE_SIZE,
            EVAL_EVERY,
            EVAL_PROMPTS,
            EVAL_TEMPERATURE,
            EVAL_SEED,
            EVAL_REWARD_MODEL,
            METRICS_EVERY,
            BATCHER_ENABLED,
            BATCHER_APPLICATION_ID,
            BATCH_SIZE,
            ONLINE_FRACTION,
            ONLINE_SOURCE,
            MAX_STALENESS,
            MAX_AHEAD,
            BATCHER_SEED);

    /** Common settings plus the trainer's: what a standalone trainer process loads. */
    public static final SettingSet ALL = SettingSet.union(CommonSettings.ALL, OWN);

    /** A small profile for tests and the demo: tiny batches, frequent checkpoints and evaluations. */
    public static Map<String, String> tinyProfile() {
        return Map.of(
                BATCH_SIZE.key(),
                "8",
                CHECKPOINT_EVERY.key(),
                "5",
                MAX_AHEAD.key(),
                "16",
                EVAL_EVERY.key(),
                "20",
                EVAL_PROMPTS.key(),
                "32",
                WARMUP_STEPS.key(),
                "2");
    }

    private static boolean isObjective(String name) {
        String key = name.trim().toLowerCase(Locale.ROOT);
        return Objectives.names().contains(key) || Objectives.aliases().containsKey(key);
    }

    private static boolean areLabelKinds(List<String> kinds) {
        if (kinds.isEmpty()) {
            return false;
        }
        for (String k : kinds) {
            try {
                io.prefstream.schemas.LabelKind.valueOf(k.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
        return true;
    }
}
