package io.prefstream.launcher;

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

/** {@code prefstream bench stale}: the stale fraction of a prompt burst under both admission rules. */
@Command(
        name = "stale",
        mixinStandardHelpOptions = true,
        header = "Stale fraction of a prompt burst: per-version pacing vs the untrained bound.",
        showDefaultValues = true,
        description = {
            "Queues a burst of prompts, runs the real trainer, labeler (rule labels) and",
            "generator in this JVM on an embedded Kafka until the burst is used up, and counts",
            "rollouts produced, trained, routed to prefstream.stale and dead-lettered; twice,",
            "side by side: generator.bound-untrained=false (the per-version rule alone), then true."
        })
public final class BenchStaleCommand implements Callable<Integer> {

    @Option(names = "--prompts", defaultValue = "2000", description = "Prompts in the burst.")
    int prompts;

    @Option(names = "--profile", defaultValue = "tiny", description = "Run profile: " + RunProfile.NAMES + ".")
    String profile;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of pi_ref, the prompts and sampling.")
    long seed;

    @Option(names = "--cache-dir", defaultValue = "runs/cache", description = "Cache of trained reference policies.")
    Path cacheDir;

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu or gpu.")
    String device;

    @Option(names = "--timeout-s", defaultValue = "900", description = "Longest one arm may run.")
    long timeoutSeconds;

    @Option(
            names = "--quiet-s",
            defaultValue = "30",
            description = "An arm ends when nothing moved this long after every prompt was sampled.")
    long quietSeconds;

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            mapFallbackValue = "",
            description = "Service setting applied to both arms (repeatable).")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--json", description = "Print one JSON object as the last line.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (prompts < 1) {
            throw new UsageException("--prompts: expected at least 1, found " + prompts);
        }
        if (timeoutSeconds < 1 || quietSeconds < 1) {
            throw new UsageException(
                    timeoutSeconds < 1
                            ? "--timeout-s: expected at least 1, found " + timeoutSeconds
                            : "--quiet-s: expected at least 1, found " + quietSeconds);
        }
        RunProfile.named(profile); // names --profile when unknown
        PrintWriter out = spec.commandLine().getOut();
        var options = new StaleBurstBenchmark.Options(
                profile,
                prompts,
                seed,
                cacheDir,
                FlagValues.device(device),
                Duration.ofSeconds(timeoutSeconds),
                Duration.ofSeconds(quietSeconds),
                overrides);
        StaleBurstBenchmark.checkSettings(options); // a bad --set fails here, before a broker starts
        StaleBurstBenchmark.Result result = BenchWorkDir.run(
                spec,
                "prefstream-bench-stale-",
                (work, messages) -> StaleBurstBenchmark.run(options, work, messages),
                r -> false);
        out.println(result.toText());
        if (json) {
            out.println(result.toJson());
        }
        out.flush();
        return 0;
    }
}
