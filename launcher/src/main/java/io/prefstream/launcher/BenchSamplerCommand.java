package io.prefstream.launcher;

import io.prefstream.bench.sampler.SamplerBenchmark;
import io.prefstream.model.DeviceSetting;
import io.prefstream.model.LmConfig;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code prefstream bench sampler}: KV-cache sampling versus full recomputation. */
@Command(name = "sampler", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"Tokens/s of KV-cache sampling versus recomputing the whole prefix each step, on the",
                "same model, batch and seed (EOS ignored so lengths are exact); prints the ratio."})
public final class BenchSamplerCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--batch", description = "Rows sampled together.", defaultValue = "16")
    int batch;

    @Option(names = "--lengths", split = ",", description = "Response lengths.", defaultValue = "32,128")
    int[] lengths;

    @Option(names = "--d-model", description = "Model width.", defaultValue = "128")
    int dModel;

    @Option(names = "--layers", description = "Transformer blocks.", defaultValue = "4")
    int layers;

    @Option(names = "--repeats", description = "Timed repetitions per mode and length (best reported).", defaultValue = "2")
    int repeats;

    @Option(names = "--seed", description = "Seed.", defaultValue = "0")
    long seed;

    @Option(names = "--device", description = "auto|cpu|gpu.", defaultValue = "auto")
    String device;

    @Option(names = "--json", description = "Print one JSON object as the last line.")
    boolean json;

    @Override
    public Integer call() {
        int longest = java.util.Arrays.stream(lengths).max().orElse(1);
        var defaults = SamplerBenchmark.Options.defaults(DeviceSetting.parse(device).resolve());
        var config = new LmConfig(defaults.config().vocabSize(), dModel, layers, 4, 4 * dModel, longest + 16);
        var result = SamplerBenchmark.run(new SamplerBenchmark.Options(config, batch, lengths, repeats, seed,
                defaults.device()));
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "sampler benchmark: %,d parameters, batch %d, device %s%n", result.parameters(),
                result.batch(), result.device());
        out.printf(Locale.ROOT, "%8s %18s %18s %8s%n", "length", "kv-cache tok/s", "recompute tok/s", "ratio");
        for (var row : result.rows()) {
            out.printf(Locale.ROOT, "%8d %18.1f %18.1f %7.2fx%n", row.length(), row.cachedTokensPerSecond(),
                    row.recomputeTokensPerSecond(), row.ratio());
        }
        if (json) {
            out.println(result.toJson());
        }
        out.flush();
        return 0;
    }
}
