package io.prefstream.launcher;

import io.prefstream.bench.sampler.SamplerBenchmark;
import io.prefstream.model.checkpoint.Checkpoints;
import io.prefstream.model.lm.CausalLm;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code prefstream bench sampler}: KV-cache sampling versus full recomputation, and GFLOP/s against a matmul peak. */
@Command(
        name = "sampler",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        description = {
            "Tokens/s of KV-cache sampling versus recomputing the whole prefix each step, on the",
            "same model, batch and seed (EOS ignored so lengths are exact); prints the ratio, and the",
            "KV-cache path's GFLOP/s as a fraction of this machine's float32 matmul rate through DJL,",
            "measured in the same run. The model: --policy DIR (a Hugging Face folder or checkpoint), or a",
            "random one of --family prefstream-gpt|llama with --d-model/--layers (llama: --vocab, 6 heads,",
            "2 key/value heads, MLP 8/3 x width)."
        })
public final class BenchSamplerCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--policy", paramLabel = "DIR", description = "Hugging Face model folder or checkpoint to measure.")
    Path policy;

    @Option(
            names = "--family",
            defaultValue = "prefstream-gpt",
            paramLabel = "prefstream-gpt|llama",
            description = "Random model family when no --policy is given.")
    String family;

    @Option(names = "--batch", description = "Rows sampled together.", defaultValue = "16")
    int batch;

    @Option(names = "--lengths", split = ",", description = "Response lengths.", defaultValue = "32,128")
    int[] lengths;

    @Option(names = "--d-model", description = "Width of a random model.", defaultValue = "128")
    int dModel;

    @Option(names = "--layers", description = "Blocks of a random model.", defaultValue = "4")
    int layers;

    @Option(names = "--vocab", description = "Vocabulary of a random llama.", defaultValue = "8000")
    int vocab;

    @Option(
            names = "--matmul",
            description = "Side of the square float32 matrices of the peak measurement (0 = skip).",
            defaultValue = "2048")
    int matmul;

    @Option(
            names = "--repeats",
            description = "Timed repetitions per mode and length (best reported).",
            defaultValue = "2")
    int repeats;

    @Option(names = "--seed", description = "Seed.", defaultValue = "0")
    long seed;

    @Option(names = "--device", description = "auto|cpu|gpu.", defaultValue = "auto")
    String device;

    @Option(names = "--json", description = "Print one JSON object as the last line.")
    boolean json;

    @Override
    public Integer call() {
        var options = new SamplerBenchmark.Options(batch, lengths, repeats, seed, matmul);
        int longest = java.util.Arrays.stream(lengths).max().orElse(1);
        var dev = FlagValues.device(device).resolve();
        PrintWriter out = spec.commandLine().getOut();
        SamplerBenchmark.Result result;
        try (CausalLm lm = model(longest + 16, dev)) {
            result = SamplerBenchmark.run(lm, options);
        }
        out.printf(
                Locale.ROOT,
                "sampler benchmark: %s, %,d parameters (%,d in matrix products), batch %d, device %s%n",
                result.family(),
                result.parameters(),
                result.matmulWeights(),
                result.batch(),
                result.device());
        out.printf(
                Locale.ROOT,
                "%8s %16s %16s %8s %12s %10s%n",
                "length",
                "kv-cache tok/s",
                "recompute tok/s",
                "ratio",
                "kv GFLOP/s",
                "of peak");
        for (var row : result.rows()) {
            out.printf(
                    Locale.ROOT,
                    "%8d %16.1f %16.1f %7.2fx %12.2f %9.1f%%%n",
                    row.length(),
                    row.cachedTokensPerSecond(),
                    row.recomputeTokensPerSecond(),
                    row.ratio(),
                    result.achievedGflops(row),
                    100 * result.achievedGflops(row) / result.peakGflops());
        }
        out.printf(
                Locale.ROOT,
                "float32 matmul peak through DJL (%d x %d): %.1f GFLOP/s%n",
                matmul,
                matmul,
                result.peakGflops());
        if (json) {
            out.println(result.toJson());
        }
        out.flush();
        return 0;
    }

    private CausalLm model(int positions, ai.djl.Device dev) {
        if (policy != null) {
            return Checkpoints.loadPolicy(PolicyOption.requireFolder(policy, "--policy"), dev);
        }
        return switch (family) {
            case "prefstream-gpt" -> SamplerBenchmark.builtIn(dModel, layers, positions, dev, seed);
            case "llama" -> {
                if (dModel % 6 != 0) {
                    throw new UsageException(
                            "--d-model must be a multiple of 6 (heads) for --family llama, " + "found " + dModel);
                }
                yield SamplerBenchmark.llama(vocab, dModel, layers, 6, 2, dModel * 8 / 3, positions, dev, seed);
            }
            default -> throw new UsageException("--family must be prefstream-gpt or llama, found '" + family + "'");
        };
    }
}
