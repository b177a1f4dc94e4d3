package io.prefstream.generator;

import io.prefstream.model.DeviceSetting;
import io.prefstream.platform.config.CommonSettings;
import io.prefstream.platform.config.LoopMode;
import io.prefstream.platform.config.Setting;
import io.prefstream.platform.config.SettingSet;
import io.prefstream.schemas.topics.Topics;
import java.util.List;

/**
 * The generator's settings, keys prefixed {@code generator.}; {@link #ALL} adds them to the common ones.
 * Environment variables follow {@link Setting#envName}, e.g. {@code PREFSTREAM_GENERATOR_BATCH_SIZE}.
 */
public final class GeneratorSettings {

    private GeneratorSettings() {}

    /** Value of {@link #GENERATOR_ID} and {@link #INITIAL_POLICY} that means "not set". */
    public static final String AUTO = "auto";

    public static final String NONE = "none";

    public static final Setting<String> GROUP_ID = Setting.string(
            "generator.group-id",
            "prefstream-generator",
            "Consumer group of the prompts consumer; generator instances in one group share the prompt partitions");
    public static final Setting<String> POLICY = Setting.string(
            "generator.policy", "policy", "Policy name to follow on the policy-updates topic (its record key)");
    public static final Setting<LoopMode> MODE = Setting.enumValue(
            "generator.mode",
            LoopMode.class,
            LoopMode.STREAMING,
            "iterative: stop at the per-version budget and wait for the next version; "
                    + "streaming: keep going within max-staleness and max-trainer-lag");
    public static final Setting<Integer> BATCH_SIZE = Setting.integer(
            "generator.batch-size",
            16,
            1,
            4096,
            "Prompts per micro-batch (B): sampling starts when B prompts are buffered or max-wait-ms has passed");
    public static final Setting<Integer> MAX_WAIT_MS = Setting.integer(
            "generator.max-wait-ms",
            50,
            0,
            600_000,
            "Longest time (T) the oldest buffered prompt waits for its micro-batch to fill");
    public static final Setting<Integer> SAMPLES_PER_PROMPT = Setting.integer(
            "generator.samples-per-prompt",
            4,
            1,
            1024,
            "Completions sampled per prompt (K); they travel together in one rollout");
    public static final Setting<Double> TEMPERATURE = Setting.doubleValue(
            "generator.temperature",
            1.0,
            1e-3,
            1e3,
            "Sampling temperature; recorded log-probs are at this temperature");
    public static final Setting<Integer> TOP_K =
            Setting.integer("generator.top-k", 0, 0, 1_000_000, "Draw only among the k most likely tokens; 0 = off");
    public static final Setting<Double> TOP_P = Setting.doubleValue(
                    "generator.top-p", 1.0, 0.0, 1.0, "Nucleus sampling mass; 1 = off")
            .validatedBy(p -> p > 0, "a number in (0, 1]");
    public static final Setting<Integer> MAX_NEW_TOKENS = Setting.integer(
            "generator.max-new-tokens",
            8,
            1,
            65_536,
            "Response token limit, EOS included; prompt tokens + max-new-tokens - 1 must fit the model's max_seq_len");
    public static final Setting<Long> SEED = Setting.longValue(
            "generator.seed",
            0L,
            Long.MIN_VALUE,
            Long.MAX_VALUE,
            "Generator seed; sampling seeds are derived from it, the prompt id and the policy version. Give every "
                    + "instance of one deployment the same seed so a redelivered prompt gets the same rollout id");
    public static final Setting<Long> BUDGET_PER_VERSION = Setting.longValue(
            "generator.budget-per-version",
            256L,
            0,
            Long.MAX_VALUE,
            "Rollouts per policy version and generator instance; 0 = unlimited " + "(iterative mode needs a budget)");
    public static final Setting<Integer> MAX_STALENESS = Setting.integer(
            "generator.max-staleness",
            1,
            0,
            1_000_000,
            "Streaming: how many per-version budgets beyond the current one the generator may produce "
                    + "before the trainer publishes a new version");
    public static final Setting<Long> MAX_TRAINER_LAG = Setting.longValue(
            "generator.max-trainer-lag",
            1024L,
            0,
            Long.MAX_VALUE,
            "Streaming: pause while the trainer's input group lags more records than this; 0 = no bound");
    public static final Setting<Boolean> BOUND_UNTRAINED = Setting.bool(
            "generator.bound-untrained",
            true,
            "Streaming: hold prompts while this generator's rollouts that the trainer has not yet accounted for "
                    + "(trained, routed stale or dead-lettered, as reported on its policy updates) reach "
                    + "(max-staleness + 1) x budget-per-version; false = only the per-version count, which restarts at "
                    + "every new version (the old rule, kept for comparison)");
    public static final Setting<Integer> UNTRAINED_STALL_MS = Setting.integer(
            "generator.untrained-stall-ms",
            30_000,
            1,
            Integer.MAX_VALUE,
            "Streaming: when the untrained bound has held prompts this long with no new report from the trainer, "
                    + "let one micro-batch through (and again after each such interval until a report arrives), so "
                    + "work the trainer cannot report (routed stale after its last update, lost in labeling) cannot "
                    + "stall the run");
    public static final Setting<String> TRAINER_GROUP = Setting.string(
            "generator.trainer-group",
            "prefstream-batcher",
            "Consumer group (Kafka Streams application id) whose lag is the trainer backlog");
    public static final Setting<List<String>> TRAINER_LAG_TOPICS = Setting.list(
                    "generator.trainer-lag-topics",
                    List.of(Topics.PREFERENCES.name(), Topics.ROLLOUTS.name()),
                    "Topics whose lag of the trainer group counts as trainer backlog")
            .validatedBy(l -> !l.isEmpty(), "a non-empty comma-separated list of topics");
    public static final Setting<Integer> LAG_CHECK_INTERVAL_MS = Setting.integer(
            "generator.lag-check-interval-ms",
            1000,
            10,
            3_600_000,
            "How often the trainer backlog is read from the broker");
    public static final Setting<String> INITIAL_POLICY = new Setting<>(
            "generator.initial-policy",
            "path",
            s -> s,
            NONE,
            "Policy checkpoint directory to serve until the first policy update arrives; none = wait for one",
            s -> !s.isBlank(),
            "a checkpoint directory, or none");
    public static final Setting<Long> INITIAL_POLICY_VERSION = Setting.longValue(
            "generator.initial-policy-version",
            0L,
            0,
            Long.MAX_VALUE,
            "Policy version recorded on rollouts sampled by the initial policy");
    public static final Setting<DeviceSetting> DEVICE = Setting.enumValue(
            "generator.device",
            DeviceSetting.class,
            DeviceSetting.AUTO,
            "Where the policy runs: auto picks a GPU when the engine sees one");
    public static final Setting<String> GENERATOR_ID = new Setting<>(
            "generator.id",
            "string",
            s -> s,
            AUTO,
            "Id written on every rollout; auto = service id, host name and process id",
            s -> s.matches("[A-Za-z0-9._:@-]+"),
            "letters, digits and . _ : @ - only, or auto");
    public static final Setting<Boolean> RECORD_TOKEN_LOGPROBS = Setting.bool(
            "generator.record-token-logprobs",
            true,
            "Record per-token behaviour log-probs on every completion (not only their sum)");
    public static final Setting<Integer> POLL_TIMEOUT_MS = Setting.integer(
            "generator.poll-timeout-ms",
            100,
            1,
            60_000,
            "Longest a poll blocks; also how fast a paused generator notices a new version");
    public static final Setting<Integer> COMMIT_INTERVAL_MS = Setting.integer(
            "generator.commit-interval-ms",
            1000,
            0,
            3_600_000,
            "Longest time acknowledged prompts wait for their offset commit (also on revocation and close); "
                    + "0 = commit after every micro-batch. Fewer commits leave more CPU for sampling; a crash re-reads "
                    + "at most this much work, and the deterministic rollout ids let the label join drop the repeats");

    /** The generator's own settings, in declaration order. */
    public static final SettingSet GENERATOR = SettingSet.of(
            GROUP_ID,
            POLICY,
            MODE,
            BATCH_SIZE,
            MAX_WAIT_MS,
            SAMPLES_PER_PROMPT,
            TEMPERATURE,
            TOP_K,
            TOP_P,
            MAX_NEW_TOKENS,
            SEED,
            BUDGET_PER_VERSION,
            MAX_STALENESS,
            MAX_TRAINER_LAG,
            BOUND_UNTRAINED,
            UNTRAINED_STALL_MS,
            TRAINER_GROUP,
            TRAINER_LAG_TOPICS,
            LAG_CHECK_INTERVAL_MS,
            INITIAL_POLICY,
            INITIAL_POLICY_VERSION,
            DEVICE,
            GENERATOR_ID,
            RECORD_TOKEN_LOGPROBS,
            POLL_TIMEOUT_MS,
            COMMIT_INTERVAL_MS);

    /** Common settings plus the generator's: what {@code prefstream generator} loads. */
    public static final SettingSet ALL = SettingSet.union(CommonSettings.ALL, GENERATOR);
}
