package io.prefstream.launcher.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefstream.launcher.progress.StatusLine;
import io.prefstream.launcher.report.ReportWriter;
import io.prefstream.launcher.stack.ServiceProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an experiment's grid, one demo at a time, each in a JVM of its own with its own data
 * directory {@code <out>/runs/<arm>/seed-<s>}, and keeps what finished: a run whose
 * {@code result.json} holds a completed result for the same demo arguments is not run again, so an
 * interrupted experiment continues with the runs that have no result yet. A run directory without
 * a result (stopped or failed) is cleared and run again.
 *
 * <p>The {@code cpus} option of an arm is not a demo flag: it starts that arm's demo under
 * {@code taskset -c <cpus>} (with {@code generator-cpus}, the deployment of separate machines).
 */
public final class ExperimentRunner {

    private static final Logger log = LoggerFactory.getLogger(ExperimentRunner.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern STEP = Pattern.compile("^step (\\d+)/(\\d+)");
    /** Arm options handled here, not passed to the demo. */
    public static final String CPUS = "cpus";

    public static final String RESULT_JSON = "result.json";

    /** One run of the grid. */
    public record Planned(ExperimentSpec.Arm arm, long seed, Path dir, List<String> demoArgs, String cpus, long steps) {
        public String label() {
            return arm.name() + ", seed " + seed;
        }
    }

    /** A run that did not produce a result. */
    public record Failure(Planned run, String reason) {}

    /** What {@link #run} leaves: the finished runs (resumed ones included) and the failures. */
    public record Outcome(List<RunResult> results, List<Failure> failures, int resumed) {}

    private final ExperimentSpec spec;
    private final Path out;
    private final Path cacheDir;
    private volatile Process current;
    private volatile boolean stopRequested;

    public ExperimentRunner(ExperimentSpec spec, Path out, Path cacheDir) {
        this.spec = spec;
        this.out = out;
        this.cacheDir = cacheDir;
    }

    /** Every run of the grid, seed-major (all arms of seed 1, then of seed 2, ...): partial grids compare arms. */
    public List<Planned> plan() {
        var runs = new ArrayList<Planned>();
        for (long seed : spec.seeds()) {
            for (ExperimentSpec.Arm arm : spec.arms()) {
                runs.add(planned(arm, seed));
            }
        }
        return runs;
    }

    private Planned planned(ExperimentSpec.Arm arm, long seed) {
        Path dir = out.resolve("runs").resolve(arm.slug()).resolve("seed-" + seed);
        var args = new ArrayList<>(demoArgs(arm, seed));
        args.add("--data-dir");
        args.add(dir.toString());
        return new Planned(arm, seed, dir, args, spec.optionsOf(arm).get(CPUS), spec.stepsOf(arm));
    }

    /** The demo's arguments for {@code arm} and {@code seed}, without {@code --data-dir}. */
    public List<String> demoArgs(ExperimentSpec.Arm arm, long seed) {
        var args = new ArrayList<String>(List.of(
                "demo",
                "--json",
                "--task",
                spec.task(),
                "--profile",
                spec.profile(),
                "--algo",
                arm.algo(),
                "--seed",
                Long.toString(seed),
                "--steps",
                Long.toString(spec.stepsOf(arm)),
                "--cache-dir",
                cacheDir.toString()));
        for (Map.Entry<String, String> o : spec.optionsOf(arm).entrySet()) {
            if (o.getKey().equals(CPUS)) {
                continue;
            }
            args.add("--" + o.getKey());
            args.add(o.getValue());
        }
        for (Map.Entry<String, String> s : spec.setOf(arm).entrySet()) {
            args.add("--set");
            args.add(s.getKey() + "=" + s.getValue());
        }
        return args;
    }

    /**
     * Runs every run of the grid that has no result yet, showing one progress line on
     * {@code console}; returns every result there is.
     */
    public Outcome run(PrintWriter console, boolean tty) {
        List<Planned> grid = plan();
        var results = new ArrayList<RunResult>();
        var failures = new ArrayList<Failure>();
        var todo = new ArrayList<Planned>();
        for (Planned p : grid) {
            Optional<RunResult> done = existing(p);
            if (done.isPresent()) {
                results.add(done.get());
            } else {
                todo.add(p);
            }
        }
        int resumed = results.size();
        if (resumed > 0) {
            console.printf("resuming: %d of %d runs already have a result in %s%n", resumed, grid.size(), out);
        }
        long totalSteps = todo.stream().mapToLong(Planned::steps).sum();
        var stepsDone = new AtomicLong();
        var currentStep = new AtomicLong();
        long started = System.nanoTime();
        var finishedSeconds = new ArrayList<Double>();
        var finishedSteps = new ArrayList<Long>();
        for (int i = 0; i < todo.size() && !stopRequested; i++) {
            Planned p = todo.get(i);
            int index = resumed + i + 1;
            currentStep.set(0);
            long runStarted = System.nanoTime();
            String head = String.format(
                    Locale.ROOT, "experiment %s: run %d/%d (%s)", spec.name(), index, grid.size(), p.label());
            try (StatusLine status = StatusLine.start(console, tty, () -> {
                double elapsed = (System.nanoTime() - started) / 1e9;
                long done = stepsDone.get() + currentStep.get();
                double perStep = secondsPerStep(finishedSeconds, finishedSteps, elapsed, done);
                String eta = Double.isFinite(perStep)
                        ? StatusLine.duration(Math.round(perStep * (totalSteps - done) * 1000))
                        : "-";
                return String.format(
                        Locale.ROOT,
                        "%s step %d/%d | grid %d/%d steps | elapsed %s | ETA %s",
                        head,
                        currentStep.get(),
                        p.steps(),
                        done,
                        totalSteps,
                        StatusLine.duration(Math.round(elapsed * 1000)),
                        eta);
            })) {
                status.println(head + " started: prefstream " + String.join(" ", p.demoArgs()));
                try {
                    RunResult r = runOne(p, currentStep);
                    results.add(r);
                    status.println(String.format(
                            Locale.ROOT,
                            "%s: gold %.3f, KL %.3f, %s labels, %.0f s",
                            p.label(),
                            r.summary().path("final_gold_reward").asDouble(Double.NaN),
                            r.summary().path("kl").asDouble(Double.NaN),
                            r.summary().path("labels_used").asText("?"),
                            (System.nanoTime() - runStarted) / 1e9));
                    finishedSeconds.add((System.nanoTime() - runStarted) / 1e9);
                    finishedSteps.add(p.steps());
                } catch (RunFailedException e) {
                    failures.add(new Failure(p, e.getMessage()));
                    status.println(p.label() + " failed: " + e.getMessage());
                }
            }
            stepsDone.addAndGet(p.steps());
        }
        results.sort(Comparator.comparingInt((RunResult r) -> spec.arms().indexOf(spec.arm(r.arm())))
                .thenComparingLong(RunResult::seed));
        return new Outcome(results, failures, resumed);
    }

    /** Seconds per step of the grid, whole runs included (start-up, evaluation), from the runs done so far. */
    private static double secondsPerStep(List<Double> seconds, List<Long> steps, double elapsed, long done) {
        double s = seconds.stream().mapToDouble(Double::doubleValue).sum();
        long n = steps.stream().mapToLong(Long::longValue).sum();
        if (n > 0) {
            return s / n;
        }
        return done > 0 ? elapsed / done : Double.NaN;
    }

    /** Stops the running demo (it writes its report) and runs nothing more. */
    public void requestStop() {
        stopRequested = true;
        Process p = current;
        if (p != null) {
            p.destroy();
        }
    }

    /** The run's result when it finished before with the same arguments. */
    Optional<RunResult> existing(Planned p) {
        Path result = p.dir().resolve(RESULT_JSON);
        if (!Files.isRegularFile(result)) {
            return Optional.empty();
        }
        try {
            JsonNode saved = JSON.readTree(result.toFile());
            if (!saved.path("args").equals(JSON.valueToTree(p.demoArgs()))
                    || !saved.path("summary").path("completed").asBoolean(false)) {
                return Optional.empty();
            }
            return Optional.of(load(p, (ObjectNode) saved.get("summary")));
        } catch (IOException | RuntimeException e) {
            log.warn("Ignoring the unreadable result {}: {}", result, e.toString());
            return Optional.empty();
        }
    }

    private RunResult load(Planned p, ObjectNode summary) throws IOException {
        Path metrics = p.dir().resolve("report").resolve(ReportWriter.METRICS_JSON);
        ArrayNode m =
                Files.isRegularFile(metrics) ? (ArrayNode) JSON.readTree(metrics.toFile()) : JSON.createArrayNode();
        return new RunResult(p.arm().name(), p.seed(), p.dir(), summary, m);
    }

    /** A run that ended without a completed result. */
    static final class RunFailedException extends Exception {
        RunFailedException(String message) {
            super(message);
        }
    }

    private RunResult runOne(Planned p, AtomicLong step) throws RunFailedException {
        try {
            if (Files.exists(p.dir())) {
                deleteTree(p.dir()); // a run without a result: stopped or failed; start it afresh
            }
            Files.createDirectories(p.dir().getParent());
            var command = new ArrayList<String>();
            if (p.cpus() != null) {
                command.addAll(List.of("taskset", "-c", p.cpus()));
            }
            command.addAll(ServiceProcess.javaCommand());
            command.addAll(p.demoArgs());
            Path outFile = p.dir().getParent().resolve(p.dir().getFileName() + ".out");
            log.info("Experiment {}: {}", spec.name(), String.join(" ", command));
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            current = process;
            String last = null;
            try (var reader = new BufferedReader(
                            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                    var copy = Files.newBufferedWriter(outFile, StandardCharsets.UTF_8)) {
                String line;
                while ((line = reader.readLine()) != null) {
                    copy.write(line);
                    copy.newLine();
                    copy.flush();
                    Matcher m = STEP.matcher(line);
                    if (m.find()) {
                        step.set(Long.parseLong(m.group(1)));
                    }
                    if (!line.isBlank()) {
                        last = line;
                    }
                }
            }
            int code = process.waitFor();
            current = null;
            if (stopRequested) {
                throw new RunFailedException("stopped");
            }
            if (last == null || !last.startsWith("{")) {
                throw new RunFailedException("exit code " + code + ", no JSON result (output: " + outFile + ")");
            }
            ObjectNode summary = (ObjectNode) JSON.readTree(last);
            if (summary.has("error") || !summary.path("completed").asBoolean(false)) {
                throw new RunFailedException(
                        summary.path("error").asText("run not completed") + " (output: " + outFile + ")");
            }
            var saved = JSON.createObjectNode();
            saved.set("args", JSON.valueToTree(p.demoArgs()));
            saved.set("summary", summary);
            Files.writeString(p.dir().resolve(RESULT_JSON), saved.toPrettyString() + "\n", StandardCharsets.UTF_8);
            step.set(p.steps());
            return load(p, summary);
        } catch (IOException e) {
            throw new UncheckedIOException("experiment run " + p.label() + " in " + p.dir(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunFailedException("interrupted");
        }
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
