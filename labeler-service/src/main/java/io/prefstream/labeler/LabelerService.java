package io.prefstream.labeler;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prefstream.labeler.http.LabelingHttpVerticle;
import io.prefstream.labeler.http.ServerLimits;
import io.prefstream.labeler.human.HumanLabelWriter;
import io.prefstream.labeler.human.LabelRequestFeed;
import io.prefstream.labeler.human.RequestQueue;
import io.prefstream.labeler.human.TokenFile;
import io.prefstream.labeler.join.JoinMetrics;
import io.prefstream.labeler.join.LabelJoinTopology;
import io.prefstream.labeler.machine.MachineLabeler;
import io.prefstream.labeler.machine.MachineLabelingLoop;
import io.prefstream.labeler.machine.RemoteRewardModelLabeler;
import io.prefstream.labeler.machine.RewardModelLabeler;
import io.prefstream.labeler.machine.RuleLabeler;
import io.prefstream.platform.consumer.ConsumerLoop;
import io.prefstream.platform.deadletter.DeadLetterPublisher;
import io.prefstream.platform.kafka.KafkaClients;
import io.prefstream.platform.kafka.TopicProducer;
import io.prefstream.platform.metrics.BrokerHealth;
import io.prefstream.platform.metrics.HealthCheck;
import io.prefstream.platform.metrics.HealthStatus;
import io.prefstream.platform.metrics.StreamsHealth;
import io.prefstream.platform.topics.TopicProvisioner;
import io.prefstream.schemas.LabelKind;
import io.prefstream.schemas.registry.SchemaRegistries;
import io.prefstream.schemas.registry.SchemaRegistryClient;
import io.prefstream.schemas.topics.Topics;
import io.vertx.core.Vertx;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The labeler service: the enabled machine labelers, the label join (Kafka Streams application
 * {@value LabelerConfig#JOIN_APPLICATION_ID}), and human labeling (request feed, web UI, REST API,
 * {@code /metrics}, {@code /health} on one Vert.x HTTP server).
 *
 * <pre>{@code
 * var config = LabelerConfig.from(ConfigLoader.forSettings(LabelerSettings.ALL).load());
 * try (var labeler = new LabelerService(config).start()) {
 *     System.out.println("UI at " + labeler.url());
 * }
 * }</pre>
 *
 * {@link #start()} returns once everything runs: topics exist, consumers are subscribed, the join is
 * RUNNING and the HTTP port is bound. {@link #close()} stops everything, newest first.
 */
public final class LabelerService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LabelerService.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration LABEL_ACK_TIMEOUT = Duration.ofSeconds(30);

    private final LabelerConfig config;
    private final MeterRegistry meters;
    private final PrometheusMeterRegistry prometheus;
    private final boolean ownsMeters;
    private final Map<String, HealthCheck> health = new ConcurrentHashMap<>();
    /** How long the label join may be rebalancing (or starting) before {@code /health} says DEGRADED. */
    static final java.time.Duration STREAMS_PATIENCE = java.time.Duration.ofSeconds(60);

    private org.apache.kafka.clients.admin.Admin healthAdmin;
    private final List<MachineLabelingLoop> machines = new ArrayList<>();
    private SchemaRegistryClient registry;
    private TopicProducer producer;
    private JoinMetrics joinMetrics;
    private KafkaStreams streams;
    private RequestQueue queue;
    private LabelRequestFeed feed;
    private Vertx vertx;
    private LabelingHttpVerticle http;
    private boolean started;

    public LabelerService(LabelerConfig config) {
        this(config, null);
    }

    /**
     * @param sharedMeters a registry shared with other services of the process, or null for its own
     *                     Prometheus registry served at {@code /metrics}
     */
    public LabelerService(LabelerConfig config, MeterRegistry sharedMeters) {
        this.config = Objects.requireNonNull(config, "config");
        if (sharedMeters == null) {
            this.prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            this.meters = prometheus;
            this.ownsMeters = true;
        } else {
            this.meters = sharedMeters;
            this.prometheus = findPrometheus(sharedMeters);
            this.ownsMeters = false;
        }
    }

    public LabelerConfig config() {
        return config;
    }

    /** Starts every component and returns once all run. @throws IllegalStateException if one cannot start */
    public synchronized LabelerService start() {
        if (started) {
            throw new IllegalStateException("labeler service already started");
        }
        started = true;
        try {
            startComponents();
        } catch (RuntimeException e) {
            log.error("Labeler service failed to start: {}", e.toString());
            close();
            throw e;
        }
        log.info(
                "Labeler service running: machine labelers {}, human route {}, join {}, UI {}",
                config.machine().kinds().stream().map(MachineKind::id).toList(),
                config.human().route().name().toLowerCase(),
                config.join().enabled() ? "on" : "off",
                url());
        return this;
    }

    private void startComponents() {
        var common = config.common();
        var clients = new KafkaClients(common);
        registry = SchemaRegistries.forUrl(common.schemaRegistryUrl(), common.kafkaProperties());
        healthAdmin = clients.admin();
        health.put("kafka", new BrokerHealth(healthAdmin, common.bootstrapServers()));
        try (var admin = clients.admin()) {
            TopicProvisioner.from(admin, common)
                    .ensure(
                            Topics.ROLLOUTS,
                            Topics.LABELS,
                            Topics.LABEL_REQUESTS,
                            Topics.PREFERENCES,
                            Topics.DEAD_LETTERS);
        }
        producer = clients.topicProducer(registry);
        var deadLetters = new DeadLetterPublisher(producer, meters);

        for (MachineKind kind : config.machine().kinds()) {
            var defaults = new java.util.HashMap<String, Object>();
            defaults.put(
                    ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 4 * config.machine().batchSize());
            config.staticMemberId(kind.id()).ifPresent(id -> defaults.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, id));
            var source = ConsumerLoop.builder()
                    .group(clients, kind.consumerGroup(), defaults)
                    .deadLetters(deadLetters);
            var loop = new MachineLabelingLoop(
                    labeler(kind),
                    config.machine().batchSize(),
                    config.machine().batchLinger(),
                    source,
                    producer,
                    meters);
            machines.add(loop.start());
            health.put("machine-" + kind.id(), loop::health);
        }

        joinMetrics = new JoinMetrics(meters);
        if (config.join().enabled()) {
            startJoin(clients);
        }

        queue = new RequestQueue(
                config.human().votes(),
                config.human().lease(),
                config.human().viewLease(),
                config.human().maxPending(),
                System::currentTimeMillis,
                meters);
        feed = new LabelRequestFeed(
                        ConsumerLoop.builder()
                                .group(
                                        clients,
                                        LabelRequestFeed.GROUP,
                                        config.staticMemberId("request-feed")
                                                .<Map<String, Object>>map(
                                                        id -> Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, id))
                                                .orElse(Map.of()))
                                .deadLetters(deadLetters)
                                .registry(meters),
                        queue,
                        registry)
                .start();
        health.put("request-feed", feed::health);

        vertx = Vertx.vertx();
        Supplier<String> scrape = prometheus == null ? null : prometheus::scrape;
        var tokens = new TokenFile(config.human().tokens(), config.human().tokenFile());
        http = new LabelingHttpVerticle(
                config.human().httpHost(),
                config.human().httpPort(),
                new ServerLimits(
                        config.human().httpIdleTimeout(),
                        config.human().httpRequestTimeout(),
                        config.human().httpMaxConnections()),
                queue,
                new HumanLabelWriter(producer, LABEL_ACK_TIMEOUT, meters),
                tokens,
                config.human().labelsPerStep(),
                scrape,
                health);
        await(vertx.deployVerticle(http).toCompletionStage().toCompletableFuture(), "HTTP server");
        health.put("http", () -> HealthStatus.up("listening on port " + http.actualPort()));
        String host = config.human().httpHost();
        if (host.equals("localhost") || host.equals("::1") || host.startsWith("127.")) {
            log.info(
                    "The labeling UI and API listen on {}, reachable from this machine only; set {} (env {}) to "
                            + "0.0.0.0 to serve other machines",
                    host,
                    LabelerSettings.HTTP_HOST.key(),
                    LabelerSettings.HTTP_HOST.envName());
        }
        if (tokens.get().isEmpty() && config.human().route() != HumanRoute.NONE) {
            log.warn(
                    "labeler.human.route={} but labeler.tokens and labeler.http.token-file give no token: nobody "
                            + "can use the labeling API yet; set PREFSTREAM_LABELER_TOKENS, add lines to the token file, or "
                            + "let external labelers answer prefstream.label-requests",
                    config.human().route().name().toLowerCase());
        }
    }

    private void startJoin(KafkaClients clients) {
        for (LabelKind kind : config.join().requiredKinds()) {
            boolean local = config.machine().kinds().stream().anyMatch(k -> k.labelKind() == kind);
            if (kind != LabelKind.HUMAN && !local) {
                log.info(
                        "join.required-kinds includes {}, which no labeler of this process writes; "
                                + "another process must, or rollouts are emitted at join.timeout-ms",
                        kind);
            }
        }
        var topology = LabelJoinTopology.build(config, registry, joinMetrics);
        var props = clients.streamsProperties(LabelerConfig.JOIN_APPLICATION_ID);
        // Static membership (labeler.id set): a restarted labeler takes its join tasks back at once
        // instead of waiting out the old member's session, while its rollouts' join.timeout-ms runs.
        config.staticMemberId("label-join")
                .ifPresent(id -> props.putIfAbsent(
                        org.apache.kafka.streams.StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG),
                        id));
        streams = new KafkaStreams(topology, props);
        var running = new CountDownLatch(1);
        var joinHealth = new StreamsHealth("label join", STREAMS_PATIENCE);
        streams.setStateListener((now, before) -> {
            joinHealth.onChange(now);
            log.info("Label join {} -> {}", before, now);
            if (now == KafkaStreams.State.RUNNING) {
                running.countDown();
            }
        });
        streams.setUncaughtExceptionHandler(e -> {
            log.error(
                    "Label join stream thread failed; replacing it (uncommitted work is redone): {}", e.toString(), e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        health.put("label-join", joinHealth);
        streams.start();
        try {
            if (!running.await(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("label join did not reach RUNNING within " + START_TIMEOUT.toSeconds()
                        + " s (state " + streams.state() + "); check that Kafka at "
                        + config.common().bootstrapServers() + " is reachable");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the label join", e);
        }
    }

    private MachineLabeler labeler(MachineKind kind) {
        return switch (kind) {
            case RULE -> new RuleLabeler();
            case REWARD_MODEL ->
                RewardModelLabeler.load(
                        config.machine().rewardModelCheckpoint().orElseThrow(),
                        config.machine().device());
            case REMOTE -> new RemoteRewardModelLabeler(config.machine().remote());
        };
    }

    /** The bound HTTP port. */
    public int port() {
        if (http == null) {
            throw new IllegalStateException("labeler service not started");
        }
        return http.actualPort();
    }

    /** {@code http://localhost:<port>/}: the labeling UI; the API is under {@code api/v1/}. */
    public URI url() {
        return URI.create("http://localhost:" + port() + "/");
    }

    public MeterRegistry meters() {
        return meters;
    }

    /** A snapshot of what the service did so far. */
    public LabelerStatus status() {
        var byKind = new EnumMap<LabelKind, Long>(LabelKind.class);
        meters.find(MachineLabelingLoop.LABELS_COUNTER)
                .counters()
                .forEach(c -> byKind.merge(LabelKind.valueOf(c.getId().getTag("kind")), (long) c.count(), Long::sum));
        var expiries = meters.find(RequestQueue.LEASE_EXPIRIES).counter();
        return new LabelerStatus(
                byKind,
                queue == null ? 0 : queue.depth(),
                joinMetrics == null ? 0 : joinMetrics.emittedTotal(),
                expiries == null ? 0 : (long) expiries.count(),
                queue == null ? Optional.empty() : queue.agreement(),
                streams == null ? "DISABLED" : streams.state().name());
    }

    @Override
    public synchronized void close() {
        if (healthAdmin != null) {
            healthAdmin.close(java.time.Duration.ofSeconds(5));
            healthAdmin = null;
        }
        if (vertx != null) {
            try {
                await(vertx.close().toCompletionStage().toCompletableFuture(), "HTTP server shutdown");
            } catch (RuntimeException e) {
                log.warn("Vert.x did not close cleanly: {}", e.toString());
            }
            vertx = null;
        }
        if (feed != null) {
            feed.close();
            feed = null;
        }
        for (MachineLabelingLoop loop : machines) {
            loop.close();
        }
        machines.clear();
        if (streams != null) {
            streams.close(Duration.ofSeconds(30));
            streams = null;
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(10));
            producer = null;
        }
        if (registry != null) {
            registry.close();
            registry = null;
        }
        if (ownsMeters) {
            prometheus.close();
        }
        log.info("Labeler service stopped");
    }

    private static void await(java.util.concurrent.CompletableFuture<?> future, String what) {
        try {
            future.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(what + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(what + " did not finish within " + START_TIMEOUT.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for " + what, e);
        }
    }

    private static PrometheusMeterRegistry findPrometheus(MeterRegistry registry) {
        if (registry instanceof PrometheusMeterRegistry p) {
            return p;
        }
        if (registry instanceof CompositeMeterRegistry composite) {
            for (MeterRegistry child : composite.getRegistries()) {
                var found = findPrometheus(child);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }
}
