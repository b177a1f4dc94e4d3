package io.prefstream.generator;

import ai.djl.Device;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prefstream.generator.GeneratorStatus.State;
import io.prefstream.model.checkpoint.Checkpoints;
import io.prefstream.platform.config.LoopMode;
import io.prefstream.platform.consumer.ConsumerLoop;
import io.prefstream.platform.deadletter.DeadLetterPublisher;
import io.prefstream.platform.kafka.KafkaClients;
import io.prefstream.platform.kafka.TopicProducer;
import io.prefstream.platform.lag.ConsumerLagReader;
import io.prefstream.platform.metrics.BrokerHealth;
import io.prefstream.platform.metrics.HealthStatus;
import io.prefstream.platform.metrics.MetricsServer;
import io.prefstream.platform.topics.TopicProvisioner;
import io.prefstream.schemas.registry.SchemaRegistries;
import io.prefstream.schemas.registry.SchemaRegistryClient;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The generator service: consumes {@code prefstream.prompts} in group {@code prefstream-generator},
 * samples K completions per prompt in micro-batches with the current policy, and produces one
 * {@code Rollout} per prompt to {@code prefstream.rollouts} (key = prompt id); follows
 * {@code prefstream.policy-updates} and hot-swaps verified checkpoints between micro-batches; paces
 * itself with a {@link AdmissionControl}. Offsets are committed only after rollouts (or dead letters)
 * are acknowledged. Until the first policy arrives (or without {@code generator.initial-policy})
 * it is PAUSED with reason "no policy yet".
 *
 * <pre>{@code
 * var config = GeneratorConfig.from(ConfigLoader.forSettings(GeneratorSettings.ALL).load());
 * try (var generator = new GeneratorService(config)) {
 *     generator.start();          // returns once the loop runs
 *     generator.status();         // RUNNING/PAUSED, reason, version, rollouts, tokens/s
 * }
 * }</pre>
 *
 * <p>With {@code metrics.port > 0} it serves {@code /metrics} (Prometheus) and {@code /health}.
 * A shared registry (the all-in-one launcher's) may be passed; meters are registered there too.
 */
public final class GeneratorService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GeneratorService.class);

    private final GeneratorConfig config;
    private final MeterRegistry registry;
    private final PrometheusMeterRegistry prometheus;
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private GeneratorMetrics metrics;
    private PolicyFollower follower;
    private GenerationLoop loop;
    private TrainerBacklog backlog;
    private MetricsServer metricsServer;
    private volatile boolean started;
    private volatile boolean closed;

    public GeneratorService(GeneratorConfig config) {
        this(config, null);
    }

    /** @param sharedRegistry a registry shared with other services in this JVM, or null for a private one */
    public GeneratorService(GeneratorConfig config, MeterRegistry sharedRegistry) {
        this.config = Objects.requireNonNull(config, "config");
        boolean serveMetrics = config.common().metricsPort() > 0;
        if (sharedRegistry instanceof PrometheusMeterRegistry p) {
            prometheus = p;
            registry = p;
        } else if (serveMetrics) {
            prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            registry = sharedRegistry == null
                    ? prometheus
                    : new CompositeMeterRegistry().add(prometheus).add(sharedRegistry);
        } else {
            prometheus = null;
            registry = sharedRegistry == null ? new SimpleMeterRegistry() : sharedRegistry;
        }
    }

    public GeneratorConfig config() {
        return config;
    }

    public MeterRegistry registry() {
        return registry;
    }

    /**
     * Provisions the generator's topics, loads the initial policy if configured, starts the policy
     * follower, the backlog monitor (streaming with a lag bound) and the generation loop, and returns
     * once the loop is consuming.
     *
     * @throws io.prefstream.model.checkpoint.CheckpointException when the initial policy cannot be loaded
     * @throws org.apache.kafka.common.KafkaException             when Kafka cannot be reached or topics mismatch
     */
    public synchronized GeneratorService start() {
        if (started) {
            throw new IllegalStateException("generator " + config.generatorId() + " already started");
        }
        if (closed) {
            throw new IllegalStateException("generator " + config.generatorId() + " is closed; create a new one");
        }
        started = true;
        try {
            startComponents();
        } catch (RuntimeException | Error e) {
            closeResources();
            throw e;
        }
        log.info("Generator {} started: {}", config.generatorId(), status().reason());
        return this;
    }

    private void startComponents() {
        var clients = new KafkaClients(config.common());
        SchemaRegistryClient schemaRegistry = SchemaRegistries.forUrl(
                config.common().schemaRegistryUrl(), config.common().kafkaProperties());
        resources.push(schemaRegistry);
        Admin admin = clients.admin();
        resources.push(admin);
        TopicProvisioner.from(admin, config.common()).ensure(config.topics().all());

        // Rollouts, their prompts' offsets and the loop's dead letters commit in one transaction: after a
        // crash no reader sees a rollout whose prompt is sampled again. The follower writes its rare dead
        // letters outside it, through a producer of its own.
        TopicProducer producer =
                new TopicProducer(clients.transactionalProducer(transactionalId(config)), schemaRegistry);
        resources.push(producer);
        var deadLetters =
                new DeadLetterPublisher(producer, registry, config.topics().deadLetters());
        TopicProducer followerProducer = clients.topicProducer(schemaRegistry);
        resources.push(() -> followerProducer.close(PRODUCER_CLOSE));
        var followerDeadLetters = new DeadLetterPublisher(
                followerProducer, registry, config.topics().deadLetters());
        metrics = new GeneratorMetrics(registry, config.generatorId());
        resources.push(metrics);

        Device device = config.device().resolve();
        ServingPolicy initial =
                config.initialPolicy().map(dir -> loadInitial(dir, device)).orElse(null);
        if (initial != null) {
            resources.push(initial); // until the loop owns it
        }

        follower = new PolicyFollower(clients, schemaRegistry, followerDeadLetters, config, device, initial);
        resources.push(follower);
        if (config.mode() == LoopMode.STREAMING && config.maxTrainerLag() > 0) {
            backlog = new TrainerBacklog(
                    new ConsumerLagReader(admin),
                    config.trainerGroup(),
                    config.trainerLagTopics(),
                    config.lagCheckInterval());
            resources.push(backlog);
        }
        var source = ConsumerLoop.builder()
                .group(clients, config.groupId(), consumerDefaults(config))
                .deadLetters(deadLetters);
        TrainerBacklog monitor = backlog;
        var untrained = UntrainedBacklog.of(config, metrics::rollouts, follower::accounted);
        loop = new GenerationLoop(
                config,
                source,
                producer,
                follower,
                monitor == null ? () -> 0L : monitor::current,
                untrained,
                metrics,
                initial);
        resources.push(loop); // closed before the follower, producer and admin it uses
        if (initial != null) {
            resources.remove(initial);
        }
        metrics.gauge(
                "prefstream.generator.published.version",
                "Newest policy version published by the trainer",
                follower,
                PolicyFollower::publishedVersion);
        metrics.gauge(
                "prefstream.generator.untrained",
                "This generator's rollouts the trainer has not yet accounted for (U), -1 before its first report",
                untrained,
                UntrainedBacklog::getAsLong);
        if (monitor != null) {
            metrics.gauge(
                    "prefstream.generator.trainer.backlog",
                    "Records the trainer's input group has yet to read",
                    monitor,
                    TrainerBacklog::current);
            monitor.start();
        }
        follower.start();
        loop.start();
        if (prometheus != null && config.common().metricsPort() > 0) {
            metricsServer = MetricsServer.start(config.common().metricsPort(), prometheus)
                    .addHealthCheck("generator", this::health)
                    .addHealthCheck(
                            "kafka", new BrokerHealth(admin, config.common().bootstrapServers()));
            resources.push(metricsServer);
        }
    }

    /**
     * The transactional id of the generator's producer: stable with the generator's id, so a restart
     * fences a zombie and aborts its open transaction at once; with the per-process default id a
     * crashed generator's open transaction is aborted by the broker after {@code transaction.timeout.ms}.
     */
    static String transactionalId(GeneratorConfig config) {
        return "prefstream-generator-" + config.groupId() + "-" + config.generatorId();
    }

    /** How long closing a producer may wait for sends still in flight. */
    private static final java.time.Duration PRODUCER_CLOSE = java.time.Duration.ofSeconds(10);

    /** Session timeout of the prompts consumer: how long a killed generator's partitions wait for it. */
    static final int SESSION_TIMEOUT_MS = 10_000;

    /**
     * The prompts consumer's settings beyond Prefstream's defaults (a {@code kafka.*} passthrough
     * overrides each): several micro-batches per poll, so consecutive batches are sampled without a
     * poll in between; a short session, so a killed generator's partitions move on in seconds; and
     * static membership when the generator's id is stable, so a restarted one takes them back at once.
     */
    static Map<String, Object> consumerDefaults(GeneratorConfig config) {
        var defaults = new java.util.HashMap<String, Object>();
        defaults.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 4 * config.batchSize());
        defaults.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, SESSION_TIMEOUT_MS);
        defaults.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, SESSION_TIMEOUT_MS / 5);
        config.staticMemberId().ifPresent(id -> defaults.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, id));
        return defaults;
    }

    private ServingPolicy loadInitial(Path dir, Device device) {
        var model = Checkpoints.loadPolicy(dir, device);
        try {
            PromptTokens.requireRoomForPrompts(model.config(), config.maxNewTokens());
        } catch (IllegalArgumentException e) {
            model.close();
            throw new IllegalArgumentException("generator.initial-policy " + dir + ": " + e.getMessage(), e);
        }
        String sha = Checkpoints.readManifest(dir).weightsSha256();
        log.info(
                "Generator {} serves initial policy {} as version {} (sha256 {})",
                config.generatorId(),
                dir,
                config.initialPolicyVersion(),
                sha);
        return new ServingPolicy(
                config.initialPolicyVersion(),
                model,
                sha,
                dir.toAbsolutePath().toUri().toString());
    }

    /** Port of {@code /metrics} and {@code /health}, when served. */
    public Optional<Integer> metricsPort() {
        return Optional.ofNullable(metricsServer).map(MetricsServer::port);
    }

    /** For {@code /health}: up while the loop and the policy follower run. */
    public HealthStatus health() {
        GeneratorStatus s = status();
        boolean up =
                (s.state() == State.RUNNING || s.state() == State.PAUSED) && follower != null && follower.isRunning();
        String detail = s.state() + ": " + s.reason() + " (policy version " + s.policyVersion() + ")";
        if (up) {
            return HealthStatus.up(detail);
        }
        Throwable followerFailure = follower == null ? null : follower.failure();
        return HealthStatus.down(
                followerFailure == null ? detail : detail + "; policy follower failed: " + followerFailure);
    }

    /** A consistent-enough snapshot for displays and tests (fields are read one by one). */
    public GeneratorStatus status() {
        GenerationLoop l = loop;
        if (l == null) {
            return new GeneratorStatus(
                    config.generatorId(),
                    closed ? State.STOPPED : State.STARTING,
                    closed ? "stopped" : "not started",
                    -1,
                    -1,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0);
        }
        State state;
        String reason;
        if (l.failure() != null) {
            state = State.FAILED;
            reason = "failed: " + l.failure();
        } else if (closed || (l.started() && !l.isRunning())) {
            state = State.STOPPED;
            reason = "stopped";
        } else if (!l.started()) {
            state = State.STARTING;
            reason = "starting";
        } else {
            var admission = l.admission();
            state = admission.open() ? State.RUNNING : State.PAUSED;
            reason = admission.reason();
        }
        double[] rates = metrics.rates();
        return new GeneratorStatus(
                config.generatorId(),
                state,
                reason,
                l.servingVersion(),
                follower.publishedVersion(),
                l.produced(),
                metrics.rollouts(),
                metrics.tokens(),
                rates[0],
                rates[1],
                l.held(),
                l.assignedPartitions(),
                l.inputLag(),
                backlog == null ? 0 : backlog.current(),
                metrics.checkpointsLoaded(),
                metrics.checkpointsRejected(),
                metrics.deadLetters());
    }

    /** Stops the loop (committing every acknowledged rollout), the follower and the clients. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeResources();
        log.info("Generator {} closed", config.generatorId());
    }

    private void closeResources() {
        while (!resources.isEmpty()) {
            AutoCloseable r = resources.pop();
            long started = System.nanoTime();
            try {
                r.close();
                long ms = (System.nanoTime() - started) / 1_000_000;
                if (ms > 1000) {
                    log.info("Closing {} took {} ms", r, ms);
                }
            } catch (Exception e) {
                log.warn("Closing {} failed: {}", r.getClass().getSimpleName(), e.toString());
            }
        }
    }
}
