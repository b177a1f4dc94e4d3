package io.prefstream.labeler;

import static io.prefstream.labeler.LabelerSettings.*;

import io.prefstream.labeler.human.LabelerTokens;
import io.prefstream.model.DeviceSetting;
import io.prefstream.platform.config.CommonConfig;
import io.prefstream.platform.config.ConfigException;
import io.prefstream.platform.config.ResolvedConfig;
import io.prefstream.schemas.LabelKind;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The labeler service's validated configuration (see {@link LabelerSettings} for keys, defaults and
 * docs). The compact constructors reject combinations that could never work, naming the keys.
 *
 * @param common  shared settings (Kafka, registry, service id, data dir)
 * @param machine machine labelers, batching and their backends
 * @param human   human routing, the request queue and the HTTP API
 * @param join    the label join's policy and timeouts
 */
public record LabelerConfig(CommonConfig common, Machine machine, Human human, Join join, String labelerId) {

    /** Application id of the label join's Kafka Streams app (fixed: all instances share its state). */
    public static final String JOIN_APPLICATION_ID = "prefstream-label-join";

    public LabelerConfig {
        Objects.requireNonNull(common, "common");
        Objects.requireNonNull(machine, "machine");
        Objects.requireNonNull(human, "human");
        Objects.requireNonNull(labelerId, "labelerId");
        Objects.requireNonNull(join, "join");
        if (human.route() == HumanRoute.UNCERTAIN && join.scoreKinds().isEmpty()) {
            throw ConfigException.invalid(
                    JOIN_REQUIRED_KINDS,
                    join.requiredKinds(),
                    "a machine kind (RULE, REWARD_MODEL, REMOTE_RM or AI_JUDGE) when labeler.human.route=uncertain,"
                            + " whose scores give the margin");
        }
        if (join.requiredKinds().contains(LabelKind.HUMAN) && human.route() != HumanRoute.ALL) {
            throw ConfigException.invalid(
                    JOIN_REQUIRED_KINDS,
                    join.requiredKinds(),
                    "no HUMAN unless labeler.human.route=all (found "
                            + human.route().name().toLowerCase()
                            + "): rollouts not routed to humans would wait for votes that never come");
        }
        if (join.minHumanVotes() > human.votes()) {
            throw ConfigException.invalid(
                    JOIN_MIN_HUMAN_VOTES,
                    join.minHumanVotes(),
                    "at most labeler.human.votes (" + human.votes() + "), the votes a request solicits");
        }
    }

    /**
     * The {@code group.instance.id} of this labeler's consumer in {@code role} ({@code label-join},
     * {@code rule}, ...) when {@code labeler.id} is set: static membership, so a restarted labeler
     * takes its partitions back at once. Empty without {@code labeler.id}.
     */
    public java.util.Optional<String> staticMemberId(String role) {
        return labelerId.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(labelerId + "-" + role);
    }

    /** Reads every labeler setting; {@code config} must come from a loader given {@link LabelerSettings#ALL}. */
    public static LabelerConfig from(ResolvedConfig config) {
        return from(config, CommonConfig.from(config));
    }

    /** Reads the labeler settings with {@code common} given (e.g. a launcher's per-service copy). */
    public static LabelerConfig from(ResolvedConfig config, CommonConfig common) {
        var checkpoint = config.get(REWARD_MODEL_CHECKPOINT).trim();
        var url = config.get(REMOTE_URL).trim();
        var remote = new Remote(
                url.isEmpty() ? null : parseUrl(url),
                Duration.ofMillis(config.get(REMOTE_TIMEOUT_MS)),
                config.get(REMOTE_MAX_ATTEMPTS),
                Duration.ofMillis(config.get(REMOTE_BACKOFF_MS)),
                Duration.ofMillis(config.get(REMOTE_MAX_BACKOFF_MS)),
                config.get(REMOTE_BREAKER_FAILURES),
                Duration.ofMillis(config.get(REMOTE_BREAKER_OPEN_MS)),
                config.get(REMOTE_SCORE_KEY),
                config.get(REMOTE_LABEL_KEY));
        var machine = new Machine(
                config.get(MACHINE),
                config.get(BATCH_SIZE),
                Duration.ofMillis(config.get(BATCH_LINGER_MS)),
                checkpoint.isEmpty() ? null : Path.of(checkpoint),
                config.get(REWARD_MODEL_DEVICE),
                remote);
        var human = new Human(
                config.get(HUMAN_ROUTE),
                config.get(HUMAN_FRACTION),
                config.get(HUMAN_MARGIN),
                config.get(HUMAN_VOTES),
                config.get(HUMAN_MAX_PENDING),
                Duration.ofMillis(config.get(LEASE_MS)),
                Duration.ofMillis(config.get(VIEW_LEASE_MS)),
                config.get(HUMAN_LABELS_PER_STEP),
                config.get(TOKENS),
                config.get(TOKEN_FILE).isBlank()
                        ? null
                        : Path.of(config.get(TOKEN_FILE).trim()),
                config.get(HTTP_HOST),
                config.get(HTTP_PORT),
                Duration.ofMillis(config.get(HTTP_IDLE_TIMEOUT_MS)),
                Duration.ofMillis(config.get(HTTP_REQUEST_TIMEOUT_MS)),
                config.get(HTTP_MAX_CONNECTIONS));
        var join = new Join(
                config.get(JOIN_ENABLED),
                config.get(JOIN_REQUIRED_KINDS),
                config.get(JOIN_MIN_HUMAN_VOTES),
                Duration.ofMillis(config.get(JOIN_TIMEOUT_MS)),
                Duration.ofMillis(config.get(JOIN_ORPHAN_TIMEOUT_MS)),
                Duration.ofMillis(config.get(JOIN_RETENTION_MS)),
                Duration.ofMillis(config.get(JOIN_PUNCTUATE_MS)));
        return new LabelerConfig(
                common, machine, human, join, config.get(LABELER_ID).trim());
    }

    private static URI parseUrl(String url) {
        try {
            var uri = URI.create(url);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return uri;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw ConfigException.invalid(REMOTE_URL, url, "an http:// or https:// URL, e.g. http://rm:5000/get_reward");
    }

    /**
     * Machine labelers.
     *
     * @param kinds          enabled labelers, empty for none
     * @param batchSize      rollouts per reward-model / remote call
     * @param batchLinger    wait for a batch to fill
     * @param rewardModel    reward-model checkpoint directory, null when not configured
     * @param device         where the reward model runs
     * @param remote         the remote reward model
     */
    public record Machine(
            List<MachineKind> kinds,
            int batchSize,
            Duration batchLinger,
            Path rewardModel,
            DeviceSetting device,
            Remote remote) {
        public Machine {
            kinds = List.copyOf(kinds);
            Objects.requireNonNull(batchLinger, "batchLinger");
            Objects.requireNonNull(device, "device");
            Objects.requireNonNull(remote, "remote");
            if (batchSize < 1) {
                throw ConfigException.invalid(BATCH_SIZE, batchSize, "at least 1");
            }
            if (kinds.contains(MachineKind.REWARD_MODEL) && rewardModel == null) {
                throw ConfigException.invalid(
                        REWARD_MODEL_CHECKPOINT,
                        "",
                        "a checkpoint directory because labeler.machine includes reward-model");
            }
            if (kinds.contains(MachineKind.REMOTE) && remote.url() == null) {
                throw ConfigException.invalid(REMOTE_URL, "", "an http(s) URL because labeler.machine includes remote");
            }
        }

        public Optional<Path> rewardModelCheckpoint() {
            return Optional.ofNullable(rewardModel);
        }
    }

    /**
     * The remote reward model (OpenRLHF {@code --remote_rm_url} convention).
     *
     * @param url            endpoint, null when not configured
     * @param timeout        per call
     * @param maxAttempts    calls per batch before giving up
     * @param backoff        wait before the first retry, doubled per retry
     * @param maxBackoff     bound of the wait
     * @param breakerFailures consecutive failures that open the breaker
     * @param breakerOpen    how long the breaker stays open
     * @param scoreKey       key of the reward array in the response
     * @param labelKey       prompt metadata key sent as the label
     */
    public record Remote(
            URI url,
            Duration timeout,
            int maxAttempts,
            Duration backoff,
            Duration maxBackoff,
            int breakerFailures,
            Duration breakerOpen,
            String scoreKey,
            String labelKey) {
        public Remote {
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(backoff, "backoff");
            Objects.requireNonNull(maxBackoff, "maxBackoff");
            Objects.requireNonNull(breakerOpen, "breakerOpen");
            Objects.requireNonNull(scoreKey, "scoreKey");
            Objects.requireNonNull(labelKey, "labelKey");
            if (maxAttempts < 1) {
                throw ConfigException.invalid(REMOTE_MAX_ATTEMPTS, maxAttempts, "at least 1");
            }
            if (breakerFailures < 1) {
                throw ConfigException.invalid(REMOTE_BREAKER_FAILURES, breakerFailures, "at least 1");
            }
            if (maxBackoff.compareTo(backoff) < 0) {
                throw ConfigException.invalid(
                        REMOTE_MAX_BACKOFF_MS,
                        maxBackoff.toMillis(),
                        "at least labeler.remote.backoff-ms (" + backoff.toMillis() + ")");
            }
        }
    }

    /**
     * Human labeling.
     *
     * @param route      which rollouts go to humans
     * @param fraction   share of rollouts for {@link HumanRoute#FRACTION}
     * @param margin     machine-score margin under which {@link HumanRoute#UNCERTAIN} asks humans
     * @param votes      distinct labelers asked per request
     * @param maxPending requests held for the UI
     * @param lease      how long a request is reserved once its labeler interacts with it
     * @param viewLease  how long a handed-out request is reserved before any interaction
     * @param labelsPerStep human-labeled rollouts the trainer needs per step, 0 = unknown
     * @param tokens     API tokens (masked in {@link #toString()})
     * @param tokenFile  file of further tokens, re-read when it changes; null = none
     * @param httpHost   listen interface
     * @param httpPort   listen port, 0 = any free one
     * @param httpIdleTimeout    a connection without traffic either way for this long is closed
     * @param httpRequestTimeout time a request has to arrive in full before it gets 408 and its connection is closed
     * @param httpMaxConnections most connections open at once; further ones are closed on accept
     */
    public record Human(
            HumanRoute route,
            double fraction,
            double margin,
            int votes,
            int maxPending,
            Duration lease,
            Duration viewLease,
            int labelsPerStep,
            LabelerTokens tokens,
            Path tokenFile,
            String httpHost,
            int httpPort,
            Duration httpIdleTimeout,
            Duration httpRequestTimeout,
            int httpMaxConnections) {
        public Human {
            Objects.requireNonNull(route, "route");
            Objects.requireNonNull(lease, "lease");
            Objects.requireNonNull(tokens, "tokens");
            Objects.requireNonNull(httpHost, "httpHost");
            tokens.error().ifPresent(why -> {
                throw new ConfigException(
                        TOKENS.key(),
                        "Invalid value for " + TOKENS.key() + " (env "
                                + TOKENS.envName() + "): " + why + ". Expected labeler-id:token[,labeler-id:token...]"
                                + " (value not shown: it holds secrets).");
            });
            if (!(fraction >= 0 && fraction <= 1)) {
                throw ConfigException.invalid(HUMAN_FRACTION, fraction, "a number in [0, 1]");
            }
            if (!(margin >= 0) || Double.isInfinite(margin)) {
                throw ConfigException.invalid(HUMAN_MARGIN, margin, "a finite number >= 0");
            }
            if (votes < 1) {
                throw ConfigException.invalid(HUMAN_VOTES, votes, "at least 1");
            }
            if (maxPending < 1) {
                throw ConfigException.invalid(HUMAN_MAX_PENDING, maxPending, "at least 1");
            }
            if (lease.isNegative() || lease.isZero()) {
                throw ConfigException.invalid(LEASE_MS, lease.toMillis(), "a positive number of milliseconds");
            }
            Objects.requireNonNull(viewLease, "viewLease");
            if (viewLease.isNegative() || viewLease.isZero()) {
                throw ConfigException.invalid(VIEW_LEASE_MS, viewLease.toMillis(), "a positive number of milliseconds");
            }
            if (viewLease.compareTo(lease) > 0) {
                viewLease = lease; // a view lease longer than the working lease would make interaction shorten it
            }
            if (labelsPerStep < 0) {
                throw ConfigException.invalid(HUMAN_LABELS_PER_STEP, labelsPerStep, "0 (unknown) or a positive count");
            }
            if (tokenFile != null && !Files.isRegularFile(tokenFile)) {
                throw ConfigException.invalid(TOKEN_FILE, tokenFile, "an existing file of labeler-id:token lines");
            }
            if (httpPort < 0 || httpPort > 65535) {
                throw ConfigException.invalid(HTTP_PORT, httpPort, "0 (any free port) or a port in [1, 65535]");
            }
            Objects.requireNonNull(httpIdleTimeout, "httpIdleTimeout");
            if (httpIdleTimeout.isNegative() || httpIdleTimeout.isZero()) {
                throw ConfigException.invalid(
                        HTTP_IDLE_TIMEOUT_MS, httpIdleTimeout.toMillis(), "a positive number of milliseconds");
            }
            Objects.requireNonNull(httpRequestTimeout, "httpRequestTimeout");
            if (httpRequestTimeout.isNegative() || httpRequestTimeout.isZero()) {
                throw ConfigException.invalid(
                        HTTP_REQUEST_TIMEOUT_MS, httpRequestTimeout.toMillis(), "a positive number of milliseconds");
            }
            if (httpMaxConnections < 1) {
                throw ConfigException.invalid(HTTP_MAX_CONNECTIONS, httpMaxConnections, "at least 1");
            }
        }
    }

    /**
     * The label join's policy.
     *
     * @param enabled        whether this process runs the join
     * @param requiredKinds  kinds every rollout needs before emission
     * @param minHumanVotes  human votes a rollout routed to humans needs
     * @param timeout        wait after the rollout arrives before emitting with what there is
     * @param orphanTimeout  hold time of labels whose rollout has not been seen
     * @param retention      how long emitted rollouts are remembered
     * @param punctuateEvery wall-clock interval of the timeout scan
     */
    public record Join(
            boolean enabled,
            List<LabelKind> requiredKinds,
            int minHumanVotes,
            Duration timeout,
            Duration orphanTimeout,
            Duration retention,
            Duration punctuateEvery) {
        public Join {
            requiredKinds = List.copyOf(requiredKinds);
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(orphanTimeout, "orphanTimeout");
            Objects.requireNonNull(retention, "retention");
            Objects.requireNonNull(punctuateEvery, "punctuateEvery");
            if (requiredKinds.isEmpty()) {
                throw ConfigException.invalid(JOIN_REQUIRED_KINDS, requiredKinds, "at least one label kind");
            }
            if (minHumanVotes < 1) {
                throw ConfigException.invalid(JOIN_MIN_HUMAN_VOTES, minHumanVotes, "at least 1");
            }
            for (var d : List.of(timeout, orphanTimeout, retention, punctuateEvery)) {
                if (d.isNegative() || d.isZero()) {
                    throw new ConfigException("join.*", "join durations must be positive, found " + d);
                }
            }
        }

        /** The required kinds that carry scores (every kind but HUMAN), in configured order. */
        public List<LabelKind> scoreKinds() {
            return requiredKinds.stream().filter(k -> k != LabelKind.HUMAN).toList();
        }

        /** Machine kinds: every kind whose labels count as machine scores. */
        public static EnumSet<LabelKind> machineKinds() {
            return EnumSet.complementOf(EnumSet.of(LabelKind.HUMAN));
        }
    }
}
