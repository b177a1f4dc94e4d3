package io.prefstream.generator;

import io.prefstream.model.DeviceSetting;
import io.prefstream.model.lm.SamplingOptions;
import io.prefstream.platform.config.CommonConfig;
import io.prefstream.platform.config.ConfigException;
import io.prefstream.platform.config.ConfigLoader;
import io.prefstream.platform.config.LoopMode;
import io.prefstream.platform.config.ResolvedConfig;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The generator's validated configuration: the common settings plus those of
 * {@link GeneratorSettings}. Built with {@link #from(ResolvedConfig)}; the compact constructor
 * rejects values that do not work together with a message naming the key, the value and what is
 * allowed.
 *
 * @param common               Kafka, registry, metrics and topic settings shared by every service
 * @param topics               topics read and written ({@link GeneratorTopics#standard()} unless a test overrides them)
 * @param groupId              consumer group of the prompts consumer
 * @param policy               policy name followed on the policy-updates topic
 * @param mode                 pacing mode
 * @param batchSize            prompts per micro-batch (B)
 * @param maxWait              longest the oldest buffered prompt waits for its batch to fill (T)
 * @param samplesPerPrompt     completions per prompt (K)
 * @param temperature          sampling temperature
 * @param topK                 top-k, 0 = off
 * @param topP                 top-p, 1 = off
 * @param maxNewTokens         response token limit, EOS included
 * @param seed                 generator seed
 * @param budgetPerVersion     rollouts per policy version, 0 = unlimited
 * @param maxStaleness         streaming: budgets the generator may run ahead of the trainer
 * @param maxTrainerLag        streaming: trainer backlog bound in records, 0 = none
 * @param boundUntrained       streaming: also hold prompts while this generator's rollouts not yet accounted for by
 *                             the trainer reach (maxStaleness + 1) × budgetPerVersion (see {@link AdmissionControl})
 * @param untrainedStall       how long the untrained bound may hold prompts without a new report before one
 *                             micro-batch is let through (see {@link UntrainedBacklog})
 * @param trainerGroup         group whose lag is the trainer backlog
 * @param trainerLagTopics     topics whose lag counts
 * @param lagCheckInterval     how often the backlog is read
 * @param initialPolicy        checkpoint to serve before the first policy update, if any
 * @param initialPolicyVersion version recorded for the initial policy
 * @param device               where the policy runs
 * @param generatorId          id written on rollouts
 * @param recordTokenLogProbs  whether per-token log-probs are recorded
 * @param pollTimeout          longest one poll blocks
 * @param commitInterval       longest acknowledged prompts wait for their offset commit, zero = every micro-batch
 */
public record GeneratorConfig(
        CommonConfig common,
        GeneratorTopics topics,
        String groupId,
        String policy,
        LoopMode mode,
        int batchSize,
        Duration maxWait,
        int samplesPerPrompt,
        double temperature,
        int topK,
        double topP,
        int maxNewTokens,
        long seed,
        long budgetPerVersion,
        int maxStaleness,
        long maxTrainerLag,
        boolean boundUntrained,
        Duration untrainedStall,
        String trainerGroup,
        List<String> trainerLagTopics,
        Duration lagCheckInterval,
        Optional<Path> initialPolicy,
        long initialPolicyVersion,
        DeviceSetting device,
        String generatorId,
        boolean recordTokenLogProbs,
        Duration pollTimeout,
        Duration commitInterval) {

    public GeneratorConfig {
        Objects.requireNonNull(common, "common");
        Objects.requireNonNull(topics, "topics");
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(maxWait, "maxWait");
        Objects.requireNonNull(trainerGroup, "trainerGroup");
        Objects.requireNonNull(lagCheckInterval, "lagCheckInterval");
        Objects.requireNonNull(initialPolicy, "initialPolicy");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(generatorId, "generatorId");
        Objects.requireNonNull(pollTimeout, "pollTimeout");
        Objects.requireNonNull(commitInterval, "commitInterval");
        trainerLagTopics = List.copyOf(trainerLagTopics);
        if (batchSize < 1) {
            throw ConfigException.invalid(GeneratorSettings.BATCH_SIZE, batchSize, "an integer >= 1");
        }
        if (samplesPerPrompt < 1) {
            throw ConfigException.invalid(GeneratorSettings.SAMPLES_PER_PROMPT, samplesPerPrompt, "an integer >= 1");
        }
        if (maxWait.isNegative()) {
            throw ConfigException.invalid(GeneratorSettings.MAX_WAIT_MS, maxWait.toMillis(), "0 or more milliseconds");
        }
        if (budgetPerVersion < 0) {
            throw ConfigException.invalid(
                    GeneratorSettings.BUDGET_PER_VERSION, budgetPerVersion, "0 (unlimited) or more");
        }
        if (mode == LoopMode.ITERATIVE && budgetPerVersion == 0) {
            throw ConfigException.invalid(
                    GeneratorSettings.BUDGET_PER_VERSION,
                    budgetPerVersion,
                    "a positive number of rollouts when generator.mode=iterative (iterative mode waits for the next "
                            + "version once the budget is spent; set a budget or use generator.mode=streaming)");
        }
        if (maxStaleness < 0) {
            throw ConfigException.invalid(GeneratorSettings.MAX_STALENESS, maxStaleness, "0 or more versions");
        }
        if (maxTrainerLag < 0) {
            throw ConfigException.invalid(GeneratorSettings.MAX_TRAINER_LAG, maxTrainerLag, "0 (no bound) or more");
        }
        if (trainerLagTopics.isEmpty()) {
            throw ConfigException.invalid(GeneratorSettings.TRAINER_LAG_TOPICS, "", "at least one topic");
        }
        if (pollTimeout.isNegative() || pollTimeout.isZero()) {
            throw ConfigException.invalid(
                    GeneratorSettings.POLL_TIMEOUT_MS, pollTimeout.toMillis(), "a positive duration");
        }
        if (commitInterval.isNegative()) {
            throw ConfigException.invalid(
                    GeneratorSettings.COMMIT_INTERVAL_MS, commitInterval.toMillis(), "0 or more milliseconds");
        }
        // SamplingOptions validates temperature, top-k, top-p and max-new-tokens; name the keys on failure.
        try {
            new SamplingOptions(temperature, topK, topP, maxNewTokens, true, 0);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(
                    "generator.sampling",
                    "Invalid sampling settings (" + GeneratorSettings.TEMPERATURE.key()
                            + "=" + temperature + ", " + GeneratorSettings.TOP_K.key() + "=" + topK + ", "
                            + GeneratorSettings.TOP_P.key() + "=" + topP + ", " + GeneratorSettings.MAX_NEW_TOKENS.key()
                            + "="
                            + maxNewTokens + "): " + e.getMessage());
        }
    }

    /** Reads the config; {@code config} must have been loaded from a set containing {@link GeneratorSettings#ALL}. */
    public static GeneratorConfig from(ResolvedConfig config) {
        var common = CommonConfig.from(config);
        String initial = config.get(GeneratorSettings.INITIAL_POLICY);
        String id = config.get(GeneratorSettings.GENERATOR_ID);
        return new GeneratorConfig(
                common,
                GeneratorTopics.standard(),
                config.get(GeneratorSettings.GROUP_ID),
                config.get(GeneratorSettings.POLICY),
                config.get(GeneratorSettings.MODE),
                config.get(GeneratorSettings.BATCH_SIZE),
                Duration.ofMillis(config.get(GeneratorSettings.MAX_WAIT_MS)),
                config.get(GeneratorSettings.SAMPLES_PER_PROMPT),
                config.get(GeneratorSettings.TEMPERATURE),
                config.get(GeneratorSettings.TOP_K),
                config.get(GeneratorSettings.TOP_P),
                config.get(GeneratorSettings.MAX_NEW_TOKENS),
                config.get(GeneratorSettings.SEED),
                config.get(GeneratorSettings.BUDGET_PER_VERSION),
                config.get(GeneratorSettings.MAX_STALENESS),
                config.get(GeneratorSettings.MAX_TRAINER_LAG),
                config.get(GeneratorSettings.BOUND_UNTRAINED),
                Duration.ofMillis(config.get(GeneratorSettings.UNTRAINED_STALL_MS)),
                config.get(GeneratorSettings.TRAINER_GROUP),
                config.get(GeneratorSettings.TRAINER_LAG_TOPICS),
                Duration.ofMillis(config.get(GeneratorSettings.LAG_CHECK_INTERVAL_MS)),
                initial.equals(GeneratorSettings.NONE) ? Optional.empty() : Optional.of(Path.of(initial)),
                config.get(GeneratorSettings.INITIAL_POLICY_VERSION),
                config.get(GeneratorSettings.DEVICE),
                id.equals(GeneratorSettings.AUTO) ? defaultGeneratorId(common.serviceId()) : id,
                config.get(GeneratorSettings.RECORD_TOKEN_LOGPROBS),
                Duration.ofMillis(config.get(GeneratorSettings.POLL_TIMEOUT_MS)),
                Duration.ofMillis(config.get(GeneratorSettings.COMMIT_INTERVAL_MS)));
    }

    /**
     * Defaults, then {@code values} (keys of {@link GeneratorSettings#ALL}), ignoring the process
     * environment: for tests, benchmarks and embedding.
     */
    public static GeneratorConfig fromValues(Map<String, String> values) {
        return from(ConfigLoader.forSettings(GeneratorSettings.ALL)
                .withEnv(Map.of())
                .withOverrides(values)
                .load());
    }

    /**
     * The consumer's {@code group.instance.id} when this generator's identity survives a restart
     * ({@code generator.id} set explicitly): static membership, so a restarted generator takes its
     * partitions back at once instead of after a rebalance. Empty for the per-process default id.
     */
    public Optional<String> staticMemberId() {
        return generatorId.equals(defaultGeneratorId(common.serviceId())) ? Optional.empty() : Optional.of(generatorId);
    }

    /** A copy reading and writing {@code newTopics}. */
    public GeneratorConfig withTopics(GeneratorTopics newTopics) {
        return with(common, newTopics);
    }

    /** A copy with other common settings (e.g. the launcher's per-service id). */
    public GeneratorConfig withCommon(CommonConfig newCommon) {
        return with(newCommon, topics);
    }

    /** A copy with {@code newCommon} and {@code newTopics}, every other value the same. */
    private GeneratorConfig with(CommonConfig newCommon, GeneratorTopics newTopics) {
        return new GeneratorConfig(
                newCommon,
                newTopics,
                groupId,
                policy,
                mode,
                batchSize,
                maxWait,
                samplesPerPrompt,
                temperature,
                topK,
                topP,
                maxNewTokens,
                seed,
                budgetPerVersion,
                maxStaleness,
                maxTrainerLag,
                boundUntrained,
                untrainedStall,
                trainerGroup,
                trainerLagTopics,
                lagCheckInterval,
                initialPolicy,
                initialPolicyVersion,
                device,
                generatorId,
                recordTokenLogProbs,
                pollTimeout,
                commitInterval);
    }

    /** The sampler options of every rollout (the seed is replaced per prompt). */
    public SamplingOptions samplingOptions() {
        return new SamplingOptions(temperature, topK, topP, maxNewTokens, true, 0);
    }

    /** {@code serviceId-host-pid}: unique per process, readable in logs. */
    static String defaultGeneratorId(String serviceId) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9.-]", "-");
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        return serviceId + "-" + host + "-"
                + ManagementFactory.getRuntimeMXBean().getPid();
    }
}
