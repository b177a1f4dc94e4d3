package io.prefstream.trainer;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prefstream.platform.kafka.KafkaClients;
import io.prefstream.platform.metrics.BrokerHealth;
import io.prefstream.platform.metrics.HealthCheck;
import io.prefstream.platform.metrics.HealthStatus;
import io.prefstream.platform.metrics.MetricsServer;
import io.prefstream.platform.metrics.StreamsHealth;
import io.prefstream.platform.topics.TopicProvisioner;
import io.prefstream.schemas.registry.SchemaRegistries;
import io.prefstream.schemas.registry.SchemaRegistryClient;
import io.prefstream.schemas.topics.Topics;
import io.prefstream.trainer.batcher.BatcherTopology;
import io.prefstream.trainer.loop.CheckpointEvent;
import io.prefstream.trainer.loop.TrainingLoop;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer service: the batcher topology and the training loop of one policy, plus
 * {@code /metrics} and {@code /health}.
 *
 * <p>{@link #start()} provisions the topics it uses, loads or initialises the policy (publishing
 * π_ref as version 0 on a first start), starts the batcher and waits until it runs, then starts the
 * loop; it returns once everything runs. {@link #close()} stops the loop, then the batcher.
 *
 * <p>Metrics: with a shared {@link MeterRegistry} (the all-in-one launcher) the meters go there and
 * the owner of that registry serves it (it can add {@link #healthChecks()}); without one the service
 * keeps its own Prometheus registry and serves it on {@code metrics.port} unless that is 0.
 */
public final class TrainerService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TrainerService.class);
    private static final Duration STREAMS_START_TIMEOUT = Duration.ofSeconds(120);

    private final TrainerConfig config;
    private final MeterRegistry meters;
    private final boolean ownsMeters;
    private final KafkaClients clients;
    private final org.apache.kafka.clients.admin.Admin healthAdmin;
    private final BrokerHealth brokerHealth;
    /** The batcher's health: DEGRADED once it rebalances (or starts) for longer than a minute, DOWN when stopped. */
    private final StreamsHealth batcherHealth = new StreamsHealth("batcher", java.time.Duration.ofSeconds(60));

    private final SchemaRegistryClient registry;
    private final TrainingLoop loop;
    private KafkaStreams batcher;
    private MetricsServer metricsServer;
    private boolean started;

    /** A service with its own meter registry (served on {@code metrics.port} when non-zero). */
    public TrainerService(TrainerConfig config) {
        this(config, null);
    }

    /**
     * @param config       validated configuration
     * @param sharedMeters registry shared with other services in the process, or null for an own one
     */
    public TrainerService(TrainerConfig config, MeterRegistry sharedMeters) {
        this.config = Objects.requireNonNull(config, "config");
        this.ownsMeters = sharedMeters == null;
        this.meters = sharedMeters != null ? sharedMeters : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        this.clients = new KafkaClients(config.common());
        this.healthAdmin = clients.admin();
        this.brokerHealth = new BrokerHealth(healthAdmin, config.common().bootstrapServers());
        this.registry = SchemaRegistries.forUrl(
                config.common().schemaRegistryUrl(), config.common().kafkaProperties());
        this.loop = new TrainingLoop(config, clients, registry, meters);
    }

    public TrainerConfig config() {
        return config;
    }

    /** Registers a listener called on the loop thread after every durable checkpoint. */
    public void addCheckpointListener(Consumer<CheckpointEvent> listener) {
        loop.addCheckpointListener(listener);
    }

    /** Starts the batcher and the training loop; returns once both run. */
    public synchronized void start() {
        if (started) {
            throw new IllegalStateException(
                    "the trainer service of policy " + config.policyName() + " was already started");
        }
        started = true;
        try (var admin = clients.admin()) {
            TopicProvisioner.from(admin, config.common())
                    .ensure(List.of(
                            Topics.OFFLINE_PREFERENCES,
                            Topics.PREFERENCES,
                            Topics.ROLLOUTS,
                            Topics.TRAINING_BATCHES,
                            Topics.POLICY_UPDATES,
                            Topics.METRICS,
                            Topics.STALE,
                            Topics.DEAD_LETTERS));
        }
        loop.initialise();
        if (config.batcherEnabled()) {
            startBatcher();
        }
        loop.start();
        if (ownsMeters && config.common().metricsPort() != 0) {
            metricsServer = MetricsServer.start(config.common().metricsPort(), (PrometheusMeterRegistry) meters);
            healthChecks().forEach(metricsServer::addHealthCheck);
        }
        log.info(
                "Trainer for policy {} running: objective {}, batcher {} ({} items, online fraction {} from {})",
                config.policyName(),
                config.objective(),
                config.batcherEnabled() ? "on" : "off",
                config.batcher().batchSize(),
                config.batcher().onlineFraction(),
                config.batcher().onlineSource());
    }

    private void startBatcher() {
        var props = clients.streamsProperties(config.batcher().applicationId());
        // Static membership: a restarted batcher (even after a crash) takes its task back at once
        // instead of waiting for the old member's session to time out; a second process with the
        // same identity fences the first, which is what one batcher per policy wants.
        props.putIfAbsent(
                StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG),
                config.common().serviceId() + "-" + config.policyName() + "-batcher");
        batcher = new KafkaStreams(BatcherTopology.build(config.batcher(), meters, registry), props);
        batcher.setUncaughtExceptionHandler(e -> {
            log.error("Batcher of policy {} failed: {}", config.policyName(), e.toString(), e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        var running = new CompletableFuture<Void>();
        batcher.setStateListener((now, before) -> {
            batcherHealth.onChange(now);
            if (now == KafkaStreams.State.RUNNING) {
                running.complete(null);
            } else if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.PENDING_SHUTDOWN) {
                running.completeExceptionally(new IllegalStateException(
                        "the batcher went from " + before + " to " + now + " while starting"));
            }
        });
        batcher.start();
        try {
            running.get(STREAMS_START_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the batcher started", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(
                    "the batcher (application id " + config.batcher().applicationId()
                            + ") did not reach RUNNING within " + STREAMS_START_TIMEOUT.toSeconds() + " s: " + e,
                    e);
        }
    }

    /** A snapshot of the loop's progress. */
    public TrainerStatus status() {
        return loop.status();
    }

    /** Waits until {@code steps} optimisation steps were applied; false on timeout or when the loop ended first. */
    public boolean awaitSteps(long steps, Duration timeout) throws InterruptedException {
        return loop.awaitSteps(steps, timeout);
    }

    /** Completes after {@code trainer.max-steps} (final checkpoint, publication and evaluation done), or when the loop stops or fails. */
    public CompletableFuture<TrainerStatus> done() {
        return loop.done();
    }

    /** The checks behind {@code /health}: the training loop and (when run here) the batcher. */
    public Map<String, HealthCheck> healthChecks() {
        var checks = new LinkedHashMap<String, HealthCheck>();
        checks.put("kafka", brokerHealth);
        checks.put("trainer-loop", () -> {
            TrainerStatus s = loop.status();
            String detail = s.phase() + " at step " + s.step() + ", version " + s.policyVersion()
                    + (s.failure().isEmpty() ? "" : ": " + s.failure());
            return loop.healthy() ? HealthStatus.up(detail) : HealthStatus.down(detail);
        });
        if (config.batcherEnabled()) {
            checks.put("batcher", batcherHealth);
        }
        return checks;
    }

    /** The batcher's Kafka Streams state, or empty when it does not run in this process. */
    public java.util.Optional<KafkaStreams.State> batcherState() {
        return java.util.Optional.ofNullable(batcher).map(KafkaStreams::state);
    }

    @Override
    public synchronized void close() {
        healthAdmin.close(java.time.Duration.ofSeconds(5));
        if (metricsServer != null) {
            metricsServer.close();
        }
        loop.close();
        if (batcher != null) {
            // Leave the group (removes the static member), so a new batcher is assigned the task at once.
            batcher.close(new KafkaStreams.CloseOptions()
                    .timeout(Duration.ofSeconds(30))
                    .leaveGroup(true));
        }
        registry.close();
        if (ownsMeters) {
            meters.close();
        }
        log.info(
                "Trainer for policy {} stopped at step {}",
                config.policyName(),
                loop.status().step());
    }
}
