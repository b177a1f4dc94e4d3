package io.prefstream.launcher.stack;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prefstream.generator.GeneratorConfig;
import io.prefstream.generator.GeneratorService;
import io.prefstream.generator.GeneratorSettings;
import io.prefstream.labeler.LabelerConfig;
import io.prefstream.labeler.LabelerService;
import io.prefstream.labeler.LabelerSettings;
import io.prefstream.platform.config.CommonConfig;
import io.prefstream.platform.config.ConfigLoader;
import io.prefstream.platform.config.ResolvedConfig;
import io.prefstream.platform.config.SettingSet;
import io.prefstream.platform.metrics.HealthCheck;
import io.prefstream.platform.metrics.HealthStatus;
import io.prefstream.platform.metrics.MetricsServer;
import io.prefstream.trainer.TrainerConfig;
import io.prefstream.trainer.TrainerService;
import io.prefstream.trainer.TrainerSettings;
import io.prefstream.trainer.loop.CheckpointEvent;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The three services in one JVM on one cluster: trainer (batcher + training loop; publishes π_ref
 * as policy version 0), labeler (machine labelers, label join, labeling UI) and generator, each
 * with its own service id ({@code prefstream-trainer}, ...) and one shared Prometheus registry.
 * Started in dataflow-safe order (trainer, labeler, generator) and closed in reverse.
 *
 * <p>Settings come from the union of the three services' settings: the caller's base values
 * (a {@link io.prefstream.launcher.RunProfile}), then an optional file, {@code PREFSTREAM_*}
 * environment variables and {@code --set} flags; the cluster address and the data directory are
 * always the stack's.
 */
public final class ServiceStack implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ServiceStack.class);
    /** Every setting the all-in-one commands accept. */
    public static final SettingSet SETTINGS =
            SettingSet.union(GeneratorSettings.ALL, LabelerSettings.ALL, TrainerSettings.ALL);
    /** Kafka Streams states in which an application no longer processes records. */
    private static final Set<String> DEAD_STREAMS_STATES = Set.of("ERROR", "PENDING_ERROR", "NOT_RUNNING");

    private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private TrainerService trainer;
    private LabelerService labeler;
    private GeneratorService generator;
    private MetricsServer metricsServer;

    private ServiceStack() {}

    /**
     * Resolves the all-in-one settings.
     *
     * @param base      values over the defaults (profile and command options)
     * @param file      config file, or null
     * @param overrides {@code --set} flags, applied last
     */
    public static ResolvedConfig settings(Map<String, String> base, Path file, Map<String, String> overrides) {
        return ConfigLoader.forSettings(SETTINGS)
                .withProfile(base)
                .withFile(file)
                .withOverrides(overrides, "--set")
                .load();
    }

    /**
     * Starts trainer, labeler and generator against {@code common}'s cluster, and serves their
     * metrics and health on {@code metricsPort} (0 = a free port, negative = not served). On failure everything started
     * so far is closed before the exception propagates.
     */
    public static ServiceStack start(ResolvedConfig settings, CommonConfig common, int metricsPort) {
        return start(settings, common, metricsPort, true, event -> {});
    }

    /**
     * As {@link #start(ResolvedConfig, CommonConfig, int)}; without {@code withGenerator} the
     * generator is left out (it runs in a process of its own) and {@link #generator()} is null.
     * {@code onCheckpoint} hears every checkpoint the trainer writes, from the first: a trainer fed
     * only offline pairs may finish before this method returns.
     */
    public static ServiceStack start(
            ResolvedConfig settings,
            CommonConfig common,
            int metricsPort,
            boolean withGenerator,
            java.util.function.Consumer<CheckpointEvent> onCheckpoint) {
        var stack = new ServiceStack();
        try {
            stack.startAll(settings, common, metricsPort, withGenerator, onCheckpoint);
            return stack;
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
    }

    /** The three services' config records, built from one set of resolved settings. */
    public record Configs(TrainerConfig trainer, LabelerConfig labeler, GeneratorConfig generator) {}

    /**
     * Builds every service's config record from {@code settings}, so a bad value or a combination
     * that cannot work (an objective and a batch mix that does not feed it) fails here, before
     * anything is started.
     *
     * @throws io.prefstream.platform.config.ConfigException naming the setting and where its value came from
     */
    public static Configs configs(ResolvedConfig settings, CommonConfig common) {
        return new Configs(
                TrainerConfig.from(settings, common.withServiceId("prefstream-trainer")),
                LabelerConfig.from(settings, common.withServiceId("prefstream-labeler")),
                GeneratorConfig.from(settings).withCommon(common.withServiceId("prefstream-generator")));
    }

    private void startAll(
            ResolvedConfig settings,
            CommonConfig common,
            int metricsPort,
            boolean withGenerator,
            java.util.function.Consumer<CheckpointEvent> onCheckpoint) {
        Configs configs = configs(settings, common);
        var trainerConfig = configs.trainer();
        trainer = new TrainerService(trainerConfig, meters);
        trainer.addCheckpointListener(onCheckpoint);
        started.push(trainer);
        trainer.start();
        log.info("Trainer started: objective {}", trainerConfig.objective());

        var labelerConfig = configs.labeler();
        labeler = new LabelerService(labelerConfig, meters);
        started.push(labeler);
        labeler.start();
        log.info(
                "Labeler started: machine labelers {}, UI {}",
                labelerConfig.machine().kinds(),
                labeler.url());

        if (withGenerator) {
            var generatorConfig = configs.generator();
            generator = new GeneratorService(generatorConfig, meters);
            started.push(generator);
            generator.start();
            log.info("Generator started: K={}, mode {}", generatorConfig.samplesPerPrompt(), generatorConfig.mode());
        }

        if (metricsPort >= 0) {
            metricsServer = MetricsServer.start(metricsPort, meters);
            healthChecks().forEach(metricsServer::addHealthCheck);
            started.push(metricsServer);
        }
    }

    public TrainerService trainer() {
        return trainer;
    }

    public LabelerService labeler() {
        return labeler;
    }

    /** The generator, or null when it runs in a process of its own. */
    public GeneratorService generator() {
        return generator;
    }

    /**
     * Seconds the in-process generator spent sampling micro-batches (its
     * {@code prefstream.generator.sampling} timer), NaN without one.
     */
    public double generatorSamplingSeconds() {
        var timer = meters.find("prefstream.generator.sampling").timer();
        return generator == null || timer == null ? Double.NaN : timer.totalTime(java.util.concurrent.TimeUnit.SECONDS);
    }

    /** The registry every service of this stack reports to. */
    public io.micrometer.core.instrument.MeterRegistry meters() {
        return meters;
    }

    /** The metrics server, when one was asked for. */
    public Optional<MetricsServer> metricsServer() {
        return Optional.ofNullable(metricsServer);
    }

    /** Health of every component: trainer loop, batcher, label join, generator. */
    public Map<String, HealthCheck> healthChecks() {
        var checks = new LinkedHashMap<String, HealthCheck>(trainer.healthChecks());
        checks.put("label-join", () -> {
            String state = labeler.status().joinState();
            return DEAD_STREAMS_STATES.contains(state) ? HealthStatus.down(state) : HealthStatus.up(state);
        });
        if (generator != null) {
            checks.put("generator", generator::health);
        }
        return checks;
    }

    /** The first component that is down, with its detail; empty while all are up. */
    public Optional<String> failure() {
        for (var entry : healthChecks().entrySet()) {
            HealthStatus status;
            try {
                status = entry.getValue().check();
            } catch (Exception e) {
                status = HealthStatus.down(e.toString());
            }
            if (!status.healthy()) {
                return Optional.of(entry.getKey() + ": " + status.detail());
            }
        }
        return Optional.empty();
    }

    /** Closes whatever was started, newest first (generator, labeler, trainer). Idempotent. */
    @Override
    public synchronized void close() {
        while (!started.isEmpty()) {
            AutoCloseable component = started.pop();
            try {
                component.close();
            } catch (Exception e) {
                log.error("Error while stopping {}", component.getClass().getSimpleName(), e);
            }
        }
        meters.close();
    }
}
