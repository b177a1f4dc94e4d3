package io.prefstream.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefstream.launcher.experiment.ExperimentReport;
import io.prefstream.launcher.experiment.ExperimentRunner;
import io.prefstream.launcher.experiment.ExperimentSpec;
import io.prefstream.launcher.stack.ServiceProcess;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code prefstream experiment SPEC}: a grid of demo runs (arm × seed), one after another, then a
 * report with mean ± std over seeds, plots with seed bands and the verdict on the paper's claim.
 * Every arm's configuration is checked (as {@code prefstream demo} checks its options) before the
 * first run starts; runs that finished before are kept, so running the same command again resumes.
 */
@Command(
        name = "experiment",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        header = "Run a paper's claim as a grid of demo runs over seeds, with a report and a verdict.",
        description = {
            "Runs every arm of SPEC once per seed, one demo at a time (each in its own JVM and",
            "data directory), then writes a report (Markdown, HTML, CSV/JSON, plots with seed",
            "bands) and checks the claim (direction and a one-sided Welch t-test over seeds).",
            "SPEC is a built-in spec (gshf, hypo, exo, ais, async, smoke) or a YAML file.",
            "Run the same command again to resume: finished runs are kept.",
            "With --json the last line of stdout is one JSON object."
        })
public final class ExperimentCommand implements Callable<Integer> {

    @Parameters(
            index = "0",
            paramLabel = "SPEC",
            description = "A built-in spec (gshf, hypo, exo, ais, async, smoke) " + "or a YAML spec file.")
    String specName;

    @Option(
            names = "--seeds",
            split = ",",
            paramLabel = "S,S,...",
            description = "Seeds to run instead of the spec's (at least 2 for a t-test).")
    List<Long> seeds;

    @Option(names = "--steps", description = "Trainer steps of every run instead of the spec's.")
    Long steps;

    @Option(names = "--profile", description = "Profile of every run instead of the spec's (tiny: a smaller model).")
    String profile;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "Experiment directory (runs and report); default: runs/experiments/<spec>[-<profile>].")
    Path out;

    @Option(
            names = "--cache-dir",
            defaultValue = "runs/cache",
            description = "Cache of reference policies and reward models, shared with demo.")
    Path cacheDir;

    @Option(names = "--plan", description = "Print the runs the experiment would make and exit.")
    boolean planOnly;

    @Option(names = "--json", description = "Print the result as one JSON object on the last line of stdout.")
    boolean json;

    @Spec
    CommandSpec commandSpec;

    @Override
    public Integer call() throws Exception {
        PrintWriter console = commandSpec.commandLine().getOut();
        try {
            return run(console);
        } catch (Exception | Error e) {
            if (json) {
                JsonError.print(console, e.getMessage() == null ? e.toString() : e.getMessage());
            }
            throw e;
        }
    }

    /** The spec after the command's overrides. */
    ExperimentSpec spec() {
        ExperimentSpec spec = ExperimentSpec.load(specName, "SPEC");
        if (seeds != null) {
            if (seeds.isEmpty() || seeds.stream().distinct().count() != seeds.size()) {
                throw new UsageException("--seeds: expected distinct seeds, found " + seeds);
            }
            spec = spec.withSeeds(seeds);
        }
        if (steps != null) {
            if (steps < 1) {
                throw new UsageException("--steps must be at least 1, found " + steps);
            }
            spec = spec.withSteps(steps);
        }
        if (profile != null) {
            RunProfile.forTask(profile, spec.task()); // an unknown name fails here, naming --profile
            spec = spec.withProfile(profile);
        }
        return spec;
    }

    private int run(PrintWriter console) throws Exception {
        ExperimentSpec spec = spec();
        Path dir = out != null
                ? out
                : Path.of(
                        "runs",
                        "experiments",
                        spec.name() + (spec.profile().equals("default") ? "" : "-" + spec.profile()));
        var runner = new ExperimentRunner(spec, dir, cacheDir);
        check(spec, runner);
        var grid = runner.plan();
        console.printf(
                "experiment %s: %s%nclaim (%s): %s%n%d arms × %d seeds = %d runs on %s (profile %s), in %s%n",
                spec.name(),
                spec.title(),
                spec.paper(),
                spec.claim(),
                spec.arms().size(),
                spec.seeds().size(),
                grid.size(),
                spec.task(),
                spec.profile(),
                dir.toAbsolutePath());
        if (planOnly) {
            for (var p : grid) {
                console.println((p.cpus() == null ? "" : "taskset -c " + p.cpus() + " ") + "prefstream "
                        + String.join(" ", p.demoArgs()));
            }
            console.flush();
            return 0;
        }
        Files.createDirectories(dir);
        boolean tty = System.console() != null && !json;
        Thread hook = new Thread(runner::requestStop, "prefstream-experiment-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        ExperimentRunner.Outcome outcome;
        try {
            outcome = runner.run(console, tty);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down: the hook runs
            }
        }
        ObjectNode result = ExperimentReport.write(spec, outcome.results(), dir.resolve("report"), command(spec));
        print(console, result);
        for (var f : outcome.failures()) {
            console.println("run failed: " + f.run().label() + ": " + f.reason());
        }
        console.println("report: " + dir.resolve("report").resolve("index.html").toAbsolutePath());
        if (json) {
            if (!outcome.failures().isEmpty()) {
                result.put("failed_runs", outcome.failures().size());
            }
            console.println(result.toString());
        }
        console.flush();
        return outcome.failures().isEmpty() ? 0 : PrefstreamCommand.EXIT_FAILURE;
    }

    /** Every arm's demo options, checked as the demo checks them, and its CPU list. */
    private static void check(ExperimentSpec spec, ExperimentRunner runner) {
        for (var arm : spec.arms()) {
            String where = "arm '" + arm.name() + "'";
            String cpus = spec.optionsOf(arm).get(ExperimentRunner.CPUS);
            if (cpus != null && !ServiceProcess.CPU_LIST.matcher(cpus).matches()) {
                throw new UsageException(where + ": cpus: expected a CPU list such as 0 or 0-3, found '" + cpus + "'");
            }
            if (cpus != null && !ServiceProcess.missingCpus(cpus).isEmpty()) {
                throw new UsageException(where + ": cpus " + cpus + ": CPU " + ServiceProcess.missingCpus(cpus)
                        + " is not online on this machine");
            }
            List<String> args = runner.demoArgs(arm, spec.seeds().get(0));
            var demo = new DemoCommand();
            try {
                new CommandLine(demo).parseArgs(args.subList(1, args.size()).toArray(String[]::new));
                demo.plan();
            } catch (CommandLine.ParameterException
                    | UsageException
                    | io.prefstream.platform.config.ConfigException e) {
                throw new UsageException(where + " of spec " + spec.name() + ": " + e.getMessage(), e);
            }
        }
    }

    private String command(ExperimentSpec spec) {
        var parts = new ArrayList<>(List.of("prefstream", "experiment", specName));
        if (seeds != null) {
            parts.add("--seeds "
                    + String.join(",", seeds.stream().map(String::valueOf).toList()));
        }
        if (steps != null) {
            parts.add("--steps " + steps);
        }
        if (profile != null) {
            parts.add("--profile " + profile);
        }
        return String.join(" ", parts);
    }

    /** The arms' numbers and the verdict, as a short table. */
    private static void print(PrintWriter console, ObjectNode result) {
        console.println();
        console.printf("%-28s %5s %9s %17s %15s %9s%n", "arm", "seeds", "labels", "gold reward", "KL", "wall s");
        for (JsonNode arm : result.path("arms")) {
            console.printf(
                    Locale.ROOT,
                    "%-28s %5d %9s %17s %15s %9s%n",
                    arm.path("name").asText(),
                    arm.path("seeds").asInt(),
                    number(arm.path("labels_used"), "%.0f"),
                    pm(arm.path("final_gold_reward_mean"), arm.path("final_gold_reward_std")),
                    pm(arm.path("kl_mean"), arm.path("kl_std")),
                    number(arm.path("wall_s_mean"), "%.0f"));
        }
        for (JsonNode c : result.path("checks")) {
            console.printf(
                    "check %s %s %s than %s: %s (%s)%n",
                    c.path("metric").asText(),
                    c.path("arm").asText(),
                    c.path("direction").asText(),
                    c.path("baseline").asText(),
                    c.path("passed").asBoolean() ? "passed" : "failed",
                    c.path("reason").asText());
        }
        console.printf(
                "claim %s: %s%n",
                result.path("holds").asBoolean() ? "holds" : "does not hold",
                result.path("claim").asText());
    }

    private static String number(JsonNode n, String pattern) {
        return n.isNumber() ? String.format(Locale.ROOT, pattern, n.asDouble()) : "-";
    }

    private static String pm(JsonNode mean, JsonNode std) {
        return mean.isNumber()
                ? String.format(
                        Locale.ROOT, "%.3f ± %.3f", mean.asDouble(), std.isNumber() ? std.asDouble() : Double.NaN)
                : "-";
    }
}
