package io.prefstream.launcher;

import io.prefstream.bench.generator.GeneratorBenchmark;
import io.prefstream.launcher.logging.RunLog;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code prefstream bench generator}: the generator service through Kafka versus the same sampling in-process. */
@Command(
        name = "generator",
        mixinStandardHelpOptions = true,
        header = "Generator service via Kafka vs the same sampling in-process.",
        showDefaultValues = true,
        description = {
            "Rollouts/s of the real generator service on an embedded Kafka versus the",
            "same sampling called in-process (same checkpoint, B, K and seeds), side by",
            "side; prints the ratio."
        })
public final class BenchGeneratorCommand implements Callable<Integer> {

    @Option(names = "--prompts", defaultValue = "1024", description = "Prompts per round and path.")
    int prompts;

    @Option(names = "--batch-size", defaultValue = "16", description = "B: prompts per micro-batch.")
    int batchSize;

    @Option(names = "--samples", defaultValue = "4", description = "K: completions per prompt.")
    int samples;

    @Option(names = "--max-new-tokens", defaultValue = "8", description = "Response token limit.")
    int maxNewTokens;

    @Option(names = "--rounds", defaultValue = "5", description = "Measured rounds (best of each path reported).")
    int rounds;

    @Option(
            names = "--warmup",
            defaultValue = "4096",
            description = "Prompts sent through both paths before timing (JIT of the in-JVM broker and clients).")
    int warmup;

    @Option(
            names = "--d-model",
            defaultValue = "64",
            description = "Policy width C (64 = the demo's arithmetic model; 4 heads, feed-forward 4C).")
    int dModel;

    @Option(names = "--layers", defaultValue = "2", description = "Policy depth (2 = the demo's arithmetic model).")
    int layers;

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu or gpu.")
    String device;

    @Option(names = "--json", description = "Print one JSON object as the last line.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        var d = GeneratorBenchmark.Options.defaults();
        var shape = GeneratorBenchmark.Options.modelShape(dModel, layers);
        var options = new GeneratorBenchmark.Options(
                shape, prompts, warmup, batchSize, samples, maxNewTokens, rounds, d.seed(), FlagValues.device(device));
        Path logFile = Files.createTempFile("prefstream-bench-generator-", ".log");
        GeneratorBenchmark.Result result;
        try (var runLog = RunLog.to(logFile)) {
            result = GeneratorBenchmark.run(options);
        } catch (RuntimeException | Error e) {
            spec.commandLine().getErr().println("bench generator failed; the broker's and services' log is " + logFile);
            throw e;
        }
        Files.deleteIfExists(logFile); // kept only when the run failed
        PrintWriter out = spec.commandLine().getOut();
        out.println(result.toText());
        if (json) {
            out.println(result.toJson());
        }
        out.flush();
        return 0;
    }
}
