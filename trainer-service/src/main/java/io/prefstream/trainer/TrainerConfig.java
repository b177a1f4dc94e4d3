package io.prefstream.trainer;

import io.prefstream.model.DeviceSetting;
import io.prefstream.platform.config.CommonConfig;
import io.prefstream.platform.config.ConfigException;
import io.prefstream.platform.config.LoopMode;
import io.prefstream.platform.config.ResolvedConfig;
import io.prefstream.schemas.LabelKind;
import io.prefstream.tasks.Task;
import io.prefstream.tasks.Tasks;
import io.prefstream.trainer.TrainerSettings.LrSchedule;
import io.prefstream.trainer.batcher.BatcherConfig;
import io.prefstream.trainer.batcher.OnlineSource;
import io.prefstream.trainer.loop.BatchRouting;
import io.prefstream.trainer.objective.ObjectiveParams;
import io.prefstream.trainer.objective.Objectives;
import io.prefstream.trainer.objective.PreferenceObjective;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The trainer service's validated configuration: the training loop's settings plus the batcher's.
 * Beyond each value's own range it checks that the values work together, failing at start-up with
 * the keys to change:
 * <ul>
 *   <li>the objective's required inputs can be produced by the batcher's mix
 *       (e.g. HyPO needs offline pairs and unlabeled rollouts: 0 &lt; online fraction &lt; 1);</li>
 *   <li>{@code batcher.max-ahead} exceeds the steps between two policy publications, or the batcher
 *       would wait for progress the trainer reports only after more batches than it may emit
 *       ({@code 0}, the default, resolves to twice those steps: an online record passes the
 *       staleness check when its batch is assembled and waits at most two publications more);</li>
 *   <li>a cosine schedule has a horizon ({@code trainer.max-steps > 0});</li>
 *   <li>the task exists and has {@code trainer.eval-prompts} held-out prompts.</li>
 * </ul>
 *
 * @param common             shared settings
 * @param policyName         policy name (key of policy updates and metrics)
 * @param task               task name
 * @param referenceDir       π_ref checkpoint directory (absolute)
 * @param checkpointDir      checkpoint directory (absolute)
 * @param checkpointRetention checkpoints kept
 * @param groupId            consumer group of the training loop
 * @param device             where to train
 * @param preferenceObjective the objective, created once from its name and parameters; {@link #objective()} is its name
 * @param objectiveParams    objective hyper-parameters
 * @param rewardKinds        label kinds whose scores are rewards, by preference
 * @param temperature        temperature of offline log-probs
 * @param lr                 peak learning rate
 * @param warmupSteps        warm-up steps
 * @param lrSchedule         schedule after warm-up
 * @param minLrRatio         cosine floor as a fraction of lr
 * @param weightDecay        AdamW weight decay
 * @param maxGradNorm        gradient clip (0 = none)
 * @param maxSteps           steps to run, 0 = forever
 * @param mode               streaming or iterative
 * @param stepsPerIteration  steps per iteration (iterative mode)
 * @param checkpointEvery    steps between checkpoints
 * @param refCacheSize       reference log-prob cache entries
 * @param evalEvery          steps between evaluations, 0 = only at the end
 * @param evalPrompts        held-out prompts per evaluation
 * @param evalTemperature    evaluation sampling temperature
 * @param evalSeed           evaluation sampling seed
 * @param metricsEvery       steps between TRAIN metrics records
 * @param batcherEnabled     whether this process runs the batcher
 * @param batcher            the batcher's config (online source resolved)
 * @param exportHuggingFace  whether checkpoints of a Hugging Face policy include model.safetensors
 * @param evalRewardModel    reward-model checkpoint that also scores evaluation samples (proxy_reward), or null
 */
public record TrainerConfig(
        CommonConfig common,
        String policyName,
        String task,
        Path referenceDir,
        Path checkpointDir,
        int checkpointRetention,
        String groupId,
        DeviceSetting device,
        PreferenceObjective preferenceObjective,
        ObjectiveParams objectiveParams,
        List<LabelKind> rewardKinds,
        double temperature,
        double lr,
        int warmupSteps,
        LrSchedule lrSchedule,
        double minLrRatio,
        double weightDecay,
        double maxGradNorm,
        long maxSteps,
        LoopMode mode,
        int stepsPerIteration,
        int checkpointEvery,
        int refCacheSize,
        int evalEvery,
        int evalPrompts,
        double evalTemperature,
        long evalSeed,
        int metricsEvery,
        boolean batcherEnabled,
        BatcherConfig batcher,
        boolean exportHuggingFace,
        Path evalRewardModel) {

    public TrainerConfig {
        Objects.requireNonNull(common, "common");
        Objects.requireNonNull(policyName, "policyName");
        Objects.requireNonNull(preferenceObjective, "preferenceObjective");
        Objects.requireNonNull(objectiveParams, "objectiveParams");
        Objects.requireNonNull(batcher, "batcher");
        referenceDir = referenceDir.toAbsolutePath().normalize();
        checkpointDir = checkpointDir.toAbsolutePath().normalize();
        rewardKinds = List.copyOf(rewardKinds);
        Task t;
        try {
            t = Tasks.byName(task);
        } catch (IllegalArgumentException e) {
            throw ConfigException.invalid(TrainerSettings.TASK, task, "one of " + Tasks.names());
        }
        if (evalPrompts > t.evalPromptCount()) {
            throw ConfigException.invalid(
                    TrainerSettings.EVAL_PROMPTS,
                    evalPrompts,
                    "at most " + t.evalPromptCount() + " (the held-out prompts of task " + task + ")");
        }
        if (lrSchedule == LrSchedule.COSINE && maxSteps == 0) {
            throw ConfigException.invalid(
                    TrainerSettings.LR_SCHEDULE,
                    "cosine",
                    "constant while trainer.max-steps "
                            + "is 0 (cosine decays over max-steps; set trainer.max-steps or use constant)");
        }
        if (!policyName.equals(batcher.policyName())) {
            throw new IllegalArgumentException("the batcher must follow the trained policy: trainer.policy-name is "
                    + policyName + " but the batcher config names " + batcher.policyName());
        }
        int publishEvery = publishInterval(mode, checkpointEvery, stepsPerIteration);
        if (batcherEnabled && batcher.maxAhead() <= publishEvery) {
            throw ConfigException.invalid(
                    TrainerSettings.MAX_AHEAD,
                    batcher.maxAhead(),
                    "more than the "
                            + publishEvery + " steps between two policy publications ("
                            + (mode == LoopMode.STREAMING
                                    ? TrainerSettings.CHECKPOINT_EVERY.key()
                                    : TrainerSettings.STEPS_PER_ITERATION.key())
                            + "): the batcher learns the trainer's progress from its policy updates and would wait forever");
        }
        try {
            BatchRouting.of(preferenceObjective).requireProducible(batcher);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(
                    TrainerSettings.OBJECTIVE.key(),
                    "Objective '" + preferenceObjective.name()
                            + "' cannot train on what the batcher is configured to produce: " + e.getMessage()
                            + ". Change batcher.online-fraction (now " + batcher.onlineFraction() + ") or "
                            + "batcher.online-source (now "
                            + batcher.onlineSource().name().toLowerCase(Locale.ROOT)
                            + "), or pick another trainer.objective.");
        }
    }

    /** Reads the trainer's settings; {@code config} must have been loaded from a set containing {@link TrainerSettings#ALL}. */
    public static TrainerConfig from(ResolvedConfig config) {
        return from(config, CommonConfig.from(config));
    }

    /**
     * Reads the trainer's settings with {@code common} as the shared part (e.g. the launcher's, with
     * this service's id). Relative paths are resolved against {@code common.dataDir()}.
     */
    public static TrainerConfig from(ResolvedConfig config, CommonConfig common) {
        ObjectiveParams params = ObjectiveParams.from(config::get);
        PreferenceObjective objective = createObjective(config.get(TrainerSettings.OBJECTIVE), params);
        String policy = config.get(TrainerSettings.POLICY_NAME);
        OnlineSource source = resolveSource(config.get(TrainerSettings.ONLINE_SOURCE), objective);
        int maxAhead = config.get(TrainerSettings.MAX_AHEAD);
        if (maxAhead == 0) {
            maxAhead = 2
                    * publishInterval(
                            config.get(TrainerSettings.MODE),
                            config.get(TrainerSettings.CHECKPOINT_EVERY),
                            config.get(TrainerSettings.STEPS_PER_ITERATION));
        }
        var batcher = new BatcherConfig(
                common,
                config.get(TrainerSettings.BATCHER_APPLICATION_ID),
                policy,
                config.get(TrainerSettings.BATCH_SIZE),
                config.get(TrainerSettings.ONLINE_FRACTION),
                source,
                config.get(TrainerSettings.MAX_STALENESS),
                maxAhead,
                config.get(TrainerSettings.BATCHER_SEED),
                config.get(TrainerSettings.MODE) == LoopMode.ITERATIVE
                        ? config.get(TrainerSettings.STEPS_PER_ITERATION)
                        : 0);
        List<LabelKind> kinds = config.get(TrainerSettings.REWARD_KINDS).stream()
                .map(k -> LabelKind.valueOf(k.toUpperCase(Locale.ROOT)))
                .toList();
        return new TrainerConfig(
                common,
                policy,
                config.get(TrainerSettings.TASK),
                common.dataDir().resolve(config.get(TrainerSettings.REFERENCE_DIR)),
                common.dataDir().resolve(config.get(TrainerSettings.CHECKPOINT_DIR)),
                config.get(TrainerSettings.CHECKPOINT_RETENTION),
                config.get(TrainerSettings.GROUP_ID),
                config.get(TrainerSettings.DEVICE),
                objective,
                params,
                kinds,
                config.get(TrainerSettings.TEMPERATURE),
                config.get(TrainerSettings.LR),
                config.get(TrainerSettings.WARMUP_STEPS),
                config.get(TrainerSettings.LR_SCHEDULE),
                config.get(TrainerSettings.MIN_LR_RATIO),
                config.get(TrainerSettings.WEIGHT_DECAY),
                config.get(TrainerSettings.MAX_GRAD_NORM),
                config.get(TrainerSettings.MAX_STEPS),
                config.get(TrainerSettings.MODE),
                config.get(TrainerSettings.STEPS_PER_ITERATION),
                config.get(TrainerSettings.CHECKPOINT_EVERY),
                config.get(TrainerSettings.REF_CACHE_SIZE),
                config.get(TrainerSettings.EVAL_EVERY),
                config.get(TrainerSettings.EVAL_PROMPTS),
                config.get(TrainerSettings.EVAL_TEMPERATURE),
                config.get(TrainerSettings.EVAL_SEED),
                config.get(TrainerSettings.METRICS_EVERY),
                config.get(TrainerSettings.BATCHER_ENABLED),
                batcher,
                config.get(TrainerSettings.EXPORT_HF),
                config.get(TrainerSettings.EVAL_REWARD_MODEL).isBlank()
                        ? null
                        : common.dataDir()
                                .resolve(config.get(TrainerSettings.EVAL_REWARD_MODEL))
                                .toAbsolutePath()
                                .normalize());
    }

    /** The objective {@code name} with {@code params}; an unknown name fails naming {@code trainer.objective}. */
    private static PreferenceObjective createObjective(String name, ObjectiveParams params) {
        try {
            return Objectives.create(name, params);
        } catch (IllegalArgumentException e) {
            throw ConfigException.invalid(TrainerSettings.OBJECTIVE, name, "one of " + Objectives.names());
        }
    }

    /** {@code auto}: unlabeled rollouts when the objective uses only unlabeled groups online (HyPO), else preferences. */
    static OnlineSource resolveSource(OnlineSource configured, PreferenceObjective objective) {
        if (configured != OnlineSource.AUTO) {
            return configured;
        }
        return BatchRouting.of(objective).preferredSource();
    }

    private static int publishInterval(LoopMode mode, int checkpointEvery, int stepsPerIteration) {
        return mode == LoopMode.STREAMING ? checkpointEvery : stepsPerIteration;
    }

    /** Steps between two policy publications: every checkpoint when streaming, every iteration when iterative. */
    public int publishInterval() {
        return publishInterval(mode, checkpointEvery, stepsPerIteration);
    }

    /** The canonical name of the objective (e.g. {@code online-dpo} for the alias {@code iterative-dpo}). */
    public String objective() {
        return preferenceObjective.name();
    }

    /** The task this config names. */
    public Task createTask() {
        return Tasks.byName(task);
    }
}
