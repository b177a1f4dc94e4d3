package io.prefstream.launcher;

import io.prefstream.launcher.logging.RunLog;
import io.prefstream.launcher.logging.TerminalFilter;
import io.prefstream.platform.config.CommonConfig;
import io.prefstream.platform.config.ConfigLoader;
import io.prefstream.platform.config.ResolvedConfig;
import io.prefstream.platform.config.SettingSet;
import io.prefstream.platform.metrics.HealthStatus;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Runs one Prefstream service against an external Kafka and Schema Registry (the compose path):
 * settings from defaults, then {@code --config FILE} (or {@code PREFSTREAM_CONFIG}), then
 * {@code PREFSTREAM_*} environment variables, then {@code --set key=value} flags, validated by the
 * service's own config record. Runs until SIGTERM/SIGINT, then closes the service cleanly; exits
 * with 1 if the service fails on its own.
 */
abstract class ServiceCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(ServiceCommand.class);
    private static final long HEALTH_CHECK_MS = 1000;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "Config file (.properties or .yaml); default: the file named by PREFSTREAM_CONFIG, if any.")
    Path configFile;

    /** Tail of every service's {@code --set} description, after its own example. */
    static final String SET_HELP = " Run with --print-config to see every key, its value and where it came from.";

    @Option(names = "--print-config", description = "Print the resolved configuration and exit.")
    boolean printConfig;

    @Spec
    CommandSpec spec;

    /** The {@code --set} flags; each service declares the option with an example of its own keys. */
    abstract Map<String, String> overrides();

    /** The service's settings (common ones included). */
    abstract SettingSet settings();

    /** Settings set by this command's own flags (e.g. {@code --policy}); {@code --set} may not set them again. */
    Map<String, String> flagSettings() {
        return Map.of();
    }

    /** Starts the service from {@code config}; the result is closed on shutdown. */
    abstract Running start(ResolvedConfig config);

    /**
     * A started service: what to close, how to tell it still works, what to print once ready, and
     * (for a trainer with {@code trainer.max-steps}) a future that completes with a closing message
     * when its work is done, or exceptionally when it failed.
     */
    record Running(
            AutoCloseable service,
            Supplier<HealthStatus> health,
            String readyMessage,
            CompletableFuture<String> finished) {
        Running(AutoCloseable service, Supplier<HealthStatus> health, String readyMessage) {
            this(service, health, readyMessage, new CompletableFuture<>());
        }
    }

    @Override
    public Integer call() throws Exception {
        var all = new LinkedHashMap<String, String>(flagSettings());
        for (var e : overrides().entrySet()) {
            if (all.containsKey(e.getKey())) {
                throw new UsageException("--set " + e.getKey() + " conflicts with a flag that sets it to "
                        + all.get(e.getKey()) + "; give one of them");
            }
            all.put(e.getKey(), e.getValue());
        }
        ResolvedConfig config = ConfigLoader.forSettings(settings())
                .withFile(configFile)
                .withOverrides(all, "--set")
                .load();
        PrintWriter out = spec.commandLine().getOut();
        if (printConfig) {
            out.print(config.describe());
            out.flush();
            return 0;
        }
        TerminalFilter.showServiceInfo(true);
        Path logFile = CommonConfig.from(config).dataDir().resolve("logs").resolve(spec.name() + ".log");
        try (var runLog = RunLog.rolling(logFile)) {
            return run(config, out, logFile);
        }
    }

    private int run(ResolvedConfig config, PrintWriter out, Path logFile) throws InterruptedException {
        log.info("Starting {} with configuration:\n{}", spec.name(), config.describe());
        log.info("Logging to {}", logFile.toAbsolutePath());
        Running running = start(config);
        var stopped = new CountDownLatch(1);
        Thread hook = new Thread(
                () -> {
                    log.info("Shutdown requested: stopping {}", spec.name());
                    closeQuietly(running.service());
                    stopped.countDown();
                },
                "prefstream-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println(running.readyMessage());
        out.flush();
        while (!stopped.await(HEALTH_CHECK_MS, TimeUnit.MILLISECONDS)) {
            if (running.finished().isDone()) {
                Runtime.getRuntime().removeShutdownHook(hook);
                closeQuietly(running.service());
                try {
                    out.println(running.finished().join());
                    out.flush();
                    return 0;
                } catch (CompletionException e) {
                    spec.commandLine()
                            .getErr()
                            .println("prefstream " + spec.name() + ": "
                                    + e.getCause().getMessage());
                    return PrefstreamCommand.EXIT_FAILURE;
                }
            }
            HealthStatus health = running.health().get();
            if (!health.healthy()) {
                Runtime.getRuntime().removeShutdownHook(hook);
                closeQuietly(running.service());
                spec.commandLine()
                        .getErr()
                        .println("prefstream " + spec.name() + ": service stopped working: " + health.detail());
                return PrefstreamCommand.EXIT_FAILURE;
            }
        }
        return 0;
    }

    private static void closeQuietly(AutoCloseable service) {
        try {
            service.close();
        } catch (Exception e) {
            log.error("Error while stopping the service", e);
        }
    }
}
