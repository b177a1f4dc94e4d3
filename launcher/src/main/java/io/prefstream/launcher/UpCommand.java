package io.prefstream.launcher;

import ai.djl.Device;
import io.prefstream.labeler.LabelerSettings;
import io.prefstream.launcher.logging.RunLog;
import io.prefstream.launcher.stack.EmbeddedStack;
import io.prefstream.launcher.stack.Preparation;
import io.prefstream.launcher.stack.RunSettings;
import io.prefstream.launcher.stack.ServiceStack;
import io.prefstream.model.reference.RewardModels;
import io.prefstream.platform.config.CommonConfig;
import io.prefstream.platform.config.LoopMode;
import io.prefstream.tasks.Task;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code prefstream up}: the embedded stack and all services, running until stopped. Kafka, the
 * Schema Registry (HTTP, journaled under the data dir) and the labeling UI listen on loopback at
 * fixed ports, so other processes (the {@code prompts}/{@code offline} commands, an external
 * labeler, any Kafka client) can join in. Broker log, registry, checkpoints and π_ref's
 * installation live under {@code --data-dir}: restarting with the same directory resumes where
 * the stack stopped, with the same schema ids.
 */
@Command(
        name = "up",
        mixinStandardHelpOptions = true,
        header = "Embedded Kafka, Schema Registry and all services, until Ctrl-C.",
        showDefaultValues = true,
        description = {
            "The embedded Kafka, the Schema Registry and all services in one JVM, running",
            "until Ctrl-C. Prints bootstrap.servers, schema.registry.url, the labeling UI and",
            "the metrics URLs once ready. Feed it with 'prefstream prompts produce --count N'.",
            "State lives under --data-dir: restart with the same directory to resume."
        })
public final class UpCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(UpCommand.class);
    private static final long HEALTH_CHECK_MS = 1000;

    @Mixin
    StackOptions stack;

    @Option(names = "--kafka-port", defaultValue = "9092", description = "Kafka broker port on loopback (0 = free).")
    int kafkaPort;

    @Option(
            names = "--controller-port",
            defaultValue = "9093",
            description = "KRaft controller port of the embedded broker on loopback (0 = free).")
    int controllerPort;

    @Option(
            names = "--registry-port",
            defaultValue = "8081",
            description = "Schema Registry port on loopback (0 = free).")
    int registryPort;

    @Option(names = "--http-port", defaultValue = "8080", description = "Labeling UI and REST API port (0 = free).")
    int httpPort;

    @Option(
            names = "--metrics-port",
            defaultValue = "9400",
            description = "Port of /metrics (Prometheus) and /health of all services (0 = free).")
    int metricsPort;

    @Option(
            names = "--mode",
            defaultValue = "streaming",
            paramLabel = "streaming|iterative",
            description = "Generator/trainer pacing: streaming (bounded staleness) or iterative (synchronous rounds).")
    String mode;

    @Option(names = "--partitions", defaultValue = "3", description = "Partitions of the data topics.")
    int partitions;

    @Option(
            names = "--data-dir",
            defaultValue = "runs/up",
            description = "State of the stack (broker log, registry journal, checkpoints, log file); reuse it to "
                    + "resume. Only its last level is created.")
    Path dataDir;

    @Spec
    CommandSpec spec;

    /** Where the running stack can be reached. */
    public record Endpoints(
            String bootstrapServers, String schemaRegistryUrl, URI labelingUi, URI metrics, URI health, Path dataDir) {}

    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final CompletableFuture<Endpoints> ready = new CompletableFuture<>();

    /** Completes once everything runs (exceptionally when start-up failed). */
    public CompletableFuture<Endpoints> ready() {
        return ready;
    }

    /** Asks a running {@code up} to stop, and waits until it has (what Ctrl-C does). */
    public void stop(Duration timeout) throws InterruptedException {
        stop.countDown();
        stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Preflight checked;
        try {
            checked = preflight();
        } catch (Exception | Error e) {
            ready.completeExceptionally(e);
            throw e;
        }
        var profile = checked.profile();
        Task task = checked.task();
        String objective = checked.objective();
        LoopMode runMode = checked.mode();
        Device device = checked.device();
        Thread hook = new Thread(
                () -> {
                    stop.countDown();
                    try {
                        stopped.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "prefstream-up-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try (RunLog runLog = RunLog.to(dataDir.resolve("prefstream.log"))) {
            try {
                return run(profile, task, objective, runMode, device, out, runLog);
            } catch (Exception | Error e) {
                log.error(RunLog.FILE_ONLY, "prefstream up failed", e);
                ready.completeExceptionally(e);
                throw e;
            }
        } finally {
            stopped.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down: the hook is running
            }
        }
    }

    /** What {@link #preflight} checked. */
    private record Preflight(RunProfile profile, Task task, String objective, LoopMode mode, Device device) {}

    /**
     * Checks every option, builds every service's config and checks the ports before anything
     * starts, so a bad {@code --set} or a port in use is reported at once and names the user's flag.
     */
    private Preflight preflight() throws java.io.IOException {
        var profile = RunProfile.forTask(stack.profile, stack.task);
        Task task = FlagValues.task(stack.task);
        String objective = stack.objective();
        stack.validate();
        LoopMode runMode = DemoCommand.parseMode(mode);
        Path referencePlaceholder = stack.policyDir() != null ? stack.policyDir() : stack.cacheDir;
        Path rewardPlaceholder =
                stack.labeling == Labeling.REWARD_MODEL ? stack.cacheDir.resolve("reward-model") : null;
        var settings = RunSettings.resolve(
                RunSettings.run(profile)
                        .task(task.name())
                        .objective(objective)
                        .mode(runMode)
                        .seed(stack.seed)
                        .reference(referencePlaceholder)
                        .device(stack.device)
                        .labeling(stack.labeling.settings(rewardPlaceholder, "preflight"))
                        .httpPort(httpPort)
                        .maxResponseTokens(task.maxResponseTokens())
                        .base(),
                stack.configFile,
                stack.overrides);
        ServiceStack.configs(settings, CommonConfig.local("127.0.0.1:" + kafkaPort, dataDir));
        var ports = new LinkedHashMap<String, Integer>();
        ports.put("--kafka-port " + kafkaPort, kafkaPort);
        ports.put("--controller-port " + controllerPort, controllerPort);
        ports.put("--registry-port " + registryPort, registryPort);
        int uiPort = settings.get(LabelerSettings.HTTP_PORT);
        String uiSource = settings.sourceOf(LabelerSettings.HTTP_PORT);
        ports.put(uiSource.equals("profile") ? "--http-port " + uiPort : uiPort + " (" + uiSource + ")", uiPort);
        ports.put("--metrics-port " + metricsPort, metricsPort);
        LocalPorts.requireFree(ports);
        Device device = stack.deviceSetting().resolve();
        if (!spec.commandLine().getParseResult().hasMatchedOption("--data-dir")) {
            java.nio.file.Files.createDirectories(dataDir.toAbsolutePath().getParent()); // runs/
        }
        RunDirectory.create(dataDir, "--data-dir");
        return new Preflight(profile, task, objective, runMode, device);
    }

    private int run(
            RunProfile profile,
            Task task,
            String objective,
            LoopMode runMode,
            Device device,
            PrintWriter out,
            RunLog runLog)
            throws Exception {
        out.printf(
                "prefstream up: task %s, objective %s, %s labeling, data %s (log: %s)%n",
                task.name(),
                objective,
                stack.labeling.name().toLowerCase().replace('_', '-'),
                dataDir.toAbsolutePath(),
                runLog.file().toAbsolutePath());
        out.flush();
        try (EmbeddedStack infra = EmbeddedStack.start(dataDir, kafkaPort, controllerPort, registryPort, partitions)) {
            var clients = infra.clients();
            var prepared = Preparation.run(
                    task,
                    profile,
                    stack.seed,
                    stack.cacheDir,
                    stack.policyDir(),
                    device,
                    clients,
                    DemoCommand.progress(out, false, "training π_ref"),
                    out::println);
            Path rewardModel = stack.labeling == Labeling.REWARD_MODEL
                    ? RewardModels.prepare(
                            prepared.spec(),
                            prepared.reference().checkpoint(),
                            profile.rewardPairs(),
                            profile.rewardModel(),
                            stack.cacheDir,
                            device,
                            DemoCommand.progress(out, false, "training the reward model"))
                    : null;
            String humanToken = stack.labeling == Labeling.HUMAN ? Labeling.newToken() : null;
            var settings = RunSettings.resolve(
                    RunSettings.run(profile)
                            .task(task.name())
                            .objective(objective)
                            .mode(runMode)
                            .seed(stack.seed)
                            .reference(prepared.reference().checkpoint())
                            .device(stack.device)
                            .labeling(stack.labeling.settings(rewardModel, humanToken))
                            .httpPort(httpPort)
                            .maxResponseTokens(task.maxResponseTokens())
                            .base(),
                    stack.configFile,
                    stack.overrides);
            try (ServiceStack services = ServiceStack.start(settings, infra.config(), metricsPort)) {
                var metrics = services.metricsServer().orElseThrow();
                var endpoints = new Endpoints(
                        infra.bootstrapServers(),
                        infra.registryUrl(),
                        Labeling.uiAddress(services.labeler().url(), settings, humanToken),
                        metrics.baseUri().resolve("/metrics"),
                        metrics.baseUri().resolve("/health"),
                        dataDir.toAbsolutePath());
                printReady(out, endpoints, task);
                ready.complete(endpoints);
                while (!stop.await(HEALTH_CHECK_MS, TimeUnit.MILLISECONDS)) {
                    Optional<String> failure = services.failure();
                    if (failure.isPresent()) {
                        spec.commandLine()
                                .getErr()
                                .println("prefstream up: a service stopped working: " + failure.get() + " (details: "
                                        + runLog.file().toAbsolutePath() + ")");
                        return PrefstreamCommand.EXIT_FAILURE;
                    }
                }
                out.println("prefstream up: stopping...");
                out.flush();
            }
        }
        out.println("prefstream up: stopped");
        out.flush();
        return 0;
    }

    private static void printReady(PrintWriter out, Endpoints e, Task task) {
        out.println("prefstream up: ready");
        out.printf("  bootstrap.servers     %s%n", e.bootstrapServers());
        out.printf("  schema.registry.url   %s%n", e.schemaRegistryUrl());
        out.printf("  labeling UI           %s%n", e.labelingUi());
        out.printf("  metrics               %s  (health %s)%n", e.metrics(), e.health());
        out.printf(
                "feed prompts:  prefstream prompts produce --task %s --count 50 --bootstrap %s --registry %s%n",
                task.name(), e.bootstrapServers(), e.schemaRegistryUrl());
        out.println("watch lag:     prefstream lag --bootstrap " + e.bootstrapServers());
        out.println("stop with Ctrl-C");
        out.flush();
    }
}
