package io.prefstream.launcher;

import io.prefstream.launcher.soak.SoakBenchmark;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code prefstream bench soak}: kills, a broker restart and corrupt records against a live stack, counted. */
@Command(
        name = "soak",
        mixinStandardHelpOptions = true,
        header = "Faults against a live stack: lost, duplicated and stale records counted.",
        showDefaultValues = true,
        description = {
            "Starts a KRaft broker, the Schema Registry, and the trainer, labeler (rule labels) and",
            "generator each as a process of its own, feeds a paced stream of tracked prompts",
            "(online DPO, streaming) and injects, as tracked prompts are trained (or stale): corrupt",
            "records on every consumed topic at 10 % and 65 % (random bytes, unknown schema id,",
            "wrong schema, empty, truncated, ~1 MB), SIGKILL of the generator at 20 % and 80 %,",
            "of the trainer at 30 % and 70 %, of the labeler at 55 % (each restarted at once), and",
            "a broker SIGKILL at 45 % (down --broker-down-s, then restarted). When every tracked",
            "prompt is sampled and every tracked rollout trained or routed stale, the services",
            "stop and every topic is read back: lost and duplicated prompts, labels, rollouts,",
            "batches and policy versions must be 0, every corrupt record dead-lettered and no",
            "valid one, stale records within (S+1)*B per trainer kill or broker restart.",
            "Exit code 0 when all of that holds, 1 otherwise; the work directory (logs of every",
            "process) is kept when the soak fails."
        })
public final class BenchSoakCommand implements Callable<Integer> {

    @Option(names = "--prompts", defaultValue = "2000", description = "Tracked prompts.")
    int prompts;

    @Option(names = "--profile", defaultValue = "tiny", description = "Run profile: " + RunProfile.NAMES + ".")
    String profile;

    @Option(
            names = "--seed",
            defaultValue = "0",
            description = "Seed of pi_ref, the prompts, sampling and corrupt bytes.")
    long seed;

    @Option(names = "--cache-dir", defaultValue = "runs/cache", description = "Cache of trained reference policies.")
    Path cacheDir;

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu or gpu.")
    String device;

    @Option(names = "--broker-down-s", defaultValue = "15", description = "Seconds the broker stays down.")
    long brokerDownSeconds;

    @Option(
            names = "--timeout-s",
            defaultValue = "1800",
            description = "Longest the soak may run once the services started.")
    long timeoutSeconds;

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            mapFallbackValue = "",
            description = "Service setting (repeatable), e.g. --set generator.max-staleness=2.")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--json", description = "Print one JSON object as the last line.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (prompts < 100) {
            throw new UsageException(
                    "--prompts: expected at least 100 (faults are injected at shares of them), found " + prompts);
        }
        if (brokerDownSeconds < 0) {
            throw new UsageException("--broker-down-s: expected 0 or more, found " + brokerDownSeconds);
        }
        if (timeoutSeconds < 60) {
            throw new UsageException("--timeout-s: expected at least 60, found " + timeoutSeconds);
        }
        RunProfile.named(profile); // names --profile when unknown
        PrintWriter out = spec.commandLine().getOut();
        var options = new SoakBenchmark.Options(
                profile,
                prompts,
                seed,
                cacheDir,
                FlagValues.device(device),
                Duration.ofSeconds(brokerDownSeconds),
                Duration.ofSeconds(timeoutSeconds),
                overrides);
        SoakBenchmark.checkSettings(options); // a bad --set fails here, before a broker starts
        SoakBenchmark.Result result = BenchWorkDir.run(
                spec,
                "prefstream-bench-soak-",
                (work, messages) -> SoakBenchmark.run(options, work, messages),
                r -> !r.failures().isEmpty());
        out.println(result.toText());
        boolean passed = result.failures().isEmpty();
        if (json) {
            out.println(result.toJson());
        }
        out.flush();
        return passed ? 0 : PrefstreamCommand.EXIT_FAILURE;
    }
}
