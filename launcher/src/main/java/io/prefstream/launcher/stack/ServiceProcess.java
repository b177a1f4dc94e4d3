package io.prefstream.launcher.stack;

import io.prefstream.generator.GeneratorSettings;
import io.prefstream.labeler.LabelerSettings;
import io.prefstream.platform.config.CommonConfig;
import io.prefstream.platform.config.CommonSettings;
import io.prefstream.platform.config.SettingSet;
import io.prefstream.trainer.TrainerSettings;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One service as a process of its own ({@code prefstream generator}, {@code labeler} or
 * {@code trainer} in another JVM), as it runs when deployed on its own machine: the generator
 * pinned to CPUs with {@code taskset} so that sampling and training do not compete for the same
 * cores ({@code demo --generator-cpus}), every service in {@code prefstream bench soak} so that it
 * can be killed. It gets the run's settings for that service as {@code --set} flags, serves
 * {@code /metrics} on a port of its own (how the generator's sampling time is read), and appends
 * its output to a log file.
 */
public final class ServiceProcess implements AutoCloseable {

    /** A service that runs as a process: its subcommand, its settings and its service id. */
    public enum Service {
        GENERATOR("generator", GeneratorSettings.ALL),
        LABELER("labeler", LabelerSettings.ALL),
        TRAINER("trainer", TrainerSettings.ALL);

        private final String command;
        private final SettingSet settings;

        Service(String command, SettingSet settings) {
            this.command = command;
            this.settings = settings;
        }

        /** The {@code prefstream} subcommand that runs it, also its name in logs. */
        public String command() {
            return command;
        }

        /** {@code prefstream-generator}, ...: the service id every all-in-one command gives it. */
        public String serviceId() {
            return "prefstream-" + command;
        }
    }

    private static final Logger log = LoggerFactory.getLogger(ServiceProcess.class);
    /** A CPU list as taskset takes it: {@code 0}, {@code 0-3}, {@code 0,2}. */
    public static final Pattern CPU_LIST = Pattern.compile("\\d+(-\\d+)?(,\\d+(-\\d+)?)*");

    private static final Pattern SAMPLING_SUM =
            Pattern.compile("(?m)^prefstream_generator_sampling_seconds_sum(\\{[^}]*})?\\s+([0-9.eE+-]+)");
    private static final Duration STOP_WAIT = Duration.ofSeconds(30);

    private final Service service;
    private final List<String> command;
    private final int metricsPort;
    private final Path logFile;
    private Process process;

    private ServiceProcess(Service service, List<String> command, int metricsPort, Path logFile) {
        this.service = service;
        this.command = List.copyOf(command);
        this.metricsPort = metricsPort;
        this.logFile = logFile;
    }

    /** The generator as a process: {@link #start(Service, String, Map, CommonConfig, int, Path)}. */
    public static ServiceProcess startGenerator(
            String cpus, Map<String, String> inputs, CommonConfig common, int metricsPort, Path logFile) {
        return start(Service.GENERATOR, cpus, inputs, common, metricsPort, logFile);
    }

    /**
     * Starts {@code service}.
     *
     * @param service     which service
     * @param cpus        taskset CPU list, or null to run on every CPU
     * @param inputs      the run's setting inputs (profile, options, derived values, then {@code --set});
     *                    the service's keys among them are passed on
     * @param common      the cluster and data directory of the run
     * @param metricsPort a free port for the child's {@code /metrics}, 0 for none
     * @param logFile     where the child's output goes
     */
    public static ServiceProcess start(
            Service service,
            String cpus,
            Map<String, String> inputs,
            CommonConfig common,
            int metricsPort,
            Path logFile) {
        var settings = new LinkedHashMap<String, String>();
        for (String key : service.settings.keys()) {
            if (inputs.containsKey(key)) {
                settings.put(key, inputs.get(key));
            }
        }
        settings.put(CommonSettings.BOOTSTRAP_SERVERS.key(), common.bootstrapServers());
        settings.put(CommonSettings.SCHEMA_REGISTRY_URL.key(), common.schemaRegistryUrl());
        settings.put(
                CommonSettings.DATA_DIR.key(), common.dataDir().toAbsolutePath().toString());
        settings.put(CommonSettings.SERVICE_ID.key(), service.serviceId());
        settings.put(CommonSettings.METRICS_PORT.key(), Integer.toString(metricsPort));
        var command = new ArrayList<String>();
        if (cpus != null) {
            command.addAll(List.of("taskset", "-c", cpus));
        }
        command.addAll(javaCommand());
        command.add(service.command);
        settings.forEach((k, v) -> {
            command.add("--set");
            command.add(k + "=" + v);
        });
        var started = new ServiceProcess(service, command, metricsPort, logFile);
        started.launch();
        return started;
    }

    private void launch() {
        log.info("Starting the {} process: {}", service.command, String.join(" ", command));
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot start the " + service.command + " process (" + command.get(0) + "): " + e.getMessage(), e);
        }
    }

    /** Which service this process runs. */
    public Service service() {
        return service;
    }

    /** Whether the process runs. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Starts the service again with the same command line, log file and metrics port, after the
     * last process ended (killed, or exited on its own).
     *
     * @throws IllegalStateException while the last process still runs
     */
    public void restart() {
        if (process.isAlive()) {
            throw new IllegalStateException(
                    "the " + service.command + " process still runs (pid " + process.pid() + ")");
        }
        launch();
    }

    /**
     * The CPUs of {@code cpus} (a {@link #CPU_LIST}) that this machine does not have online, from
     * {@code /sys/devices/system/cpu/online}; empty when all are there or the file is absent.
     */
    public static java.util.SortedSet<Integer> missingCpus(String cpus) {
        Path online = Path.of("/sys/devices/system/cpu/online");
        if (!Files.isReadable(online)) {
            return new java.util.TreeSet<>();
        }
        try {
            var missing = expand(cpus);
            missing.removeAll(expand(Files.readString(online).strip()));
            return missing;
        } catch (IOException e) {
            return new java.util.TreeSet<>();
        }
    }

    /** {@code 0-2,5} as {0, 1, 2, 5}. */
    static java.util.SortedSet<Integer> expand(String list) {
        var out = new java.util.TreeSet<Integer>();
        for (String part : list.split(",")) {
            String[] range = part.split("-");
            int from = Integer.parseInt(range[0]);
            int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
            for (int c = from; c <= to; c++) {
                out.add(c);
            }
        }
        return out;
    }

    /** This JVM's java binary, JVM flags and class path, then the launcher's main class. */
    public static List<String> javaCommand() {
        var command = new ArrayList<String>();
        command.add(ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> !a.startsWith("-agentlib") && !a.startsWith("-javaagent"))
                .toList());
        if (System.getProperty("ai.djl.offline") == null) {
            command.add("-Dai.djl.offline=true");
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("io.prefstream.launcher.PrefstreamCommand");
        return command;
    }

    /** Why the process is no longer running, when it is not: its exit code and the end of its log. */
    public Optional<String> failure() {
        if (process.isAlive()) {
            return Optional.empty();
        }
        return Optional.of("the " + service.command + " process exited with " + process.exitValue() + " (log: "
                + logFile + "): " + tail());
    }

    /** Seconds the generator has spent sampling, read from its {@code /metrics}; NaN when unreadable. */
    public double samplingSeconds() {
        try {
            var client = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(2))
                    .build();
            var response = client.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            Matcher m = SAMPLING_SUM.matcher(response.body());
            return m.find() ? Double.parseDouble(m.group(2)) : Double.NaN;
        } catch (IOException e) {
            log.warn("Cannot read the {} process's metrics: {}", service.command, e.toString());
            return Double.NaN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(logFile);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    /** Kills the process as SIGKILL does: no clean shutdown, nothing flushed or committed (a crash). */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }

    /** Stops the process as SIGTERM does (it closes the service cleanly), then kills it if it hangs. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(STOP_WAIT.toSeconds(), TimeUnit.SECONDS)) {
                log.warn("The {} process did not stop within {}; killing it", service.command, STOP_WAIT);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
