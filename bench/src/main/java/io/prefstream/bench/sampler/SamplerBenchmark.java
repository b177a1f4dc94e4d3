package io.prefstream.bench.sampler;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.prefstream.model.LmConfig;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.lm.Completion;
import io.prefstream.model.lm.Sampler;
import io.prefstream.model.lm.SamplingOptions;
import io.prefstream.model.nn.NoGrad;
import io.prefstream.model.tokenizer.CharTokenizer;
import io.prefstream.model.tokenizer.WordLevelTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Tokens per second of KV-cache sampling versus full recomputation of the prefix at every step,
 * on the same model, batch, prompts and seed, measured side by side in one run; and the KV-cache
 * path's achieved GFLOP/s as a fraction of this machine's float32 matmul rate through DJL, measured
 * in the same run on large matrices.
 *
 * <p>Sampling ignores EOS so every row generates exactly the requested number of tokens; both modes
 * must produce identical tokens (checked), so the comparison is of equal work.
 * Ratio = (tokens/s with cache) / (tokens/s recomputing). FLOPs per sampled token with the cache:
 * {@code 2·M} for the M weights used in matrix products (every projection and the output head;
 * embedding lookups excluded), plus attention over the context, which is small at these lengths and
 * left out, so the fraction is a lower bound.
 */
public final class SamplerBenchmark {

    /**
     * @param batch rows sampled together
     * @param lengths response lengths to measure
     * @param repeats timed repetitions per (mode, length); the best is reported
     * @param seed sampling and init seed
     * @param matmulSize side of the square matrices of the peak measurement (0 = skip it)
     */
    public record Options(int batch, int[] lengths, int repeats, long seed, int matmulSize) {

        public Options {
            if (batch <= 0 || repeats <= 0 || lengths.length == 0 || matmulSize < 0) {
                throw new IllegalArgumentException("benchmark needs batch > 0, repeats > 0, at least one length and "
                        + "matmul size >= 0, found " + batch + ", " + repeats + ", " + Arrays.toString(lengths) + ", "
                        + matmulSize);
            }
        }

        /** Batch 16, lengths 32 and 128, 2 repeats, 2048² matmuls. */
        public static Options defaults() {
            return new Options(16, new int[] {32, 128}, 2, 0, 2048);
        }
    }

    /** One response length's figures. */
    public record Row(int length, double cachedTokensPerSecond, double recomputeTokensPerSecond) {
        public double ratio() {
            return cachedTokensPerSecond / recomputeTokensPerSecond;
        }
    }

    /**
     * All rows plus the setup they were measured on.
     *
     * @param matmulWeights weights used in matrix products per token (M)
     * @param peakGflops float32 matmul GFLOP/s through DJL on this device (NaN when skipped)
     */
    public record Result(
            String device,
            String family,
            long parameters,
            long matmulWeights,
            int batch,
            List<Row> rows,
            double peakGflops) {

        /** Achieved GFLOP/s of the KV-cache path for {@code row}: tokens/s · 2M. */
        public double achievedGflops(Row row) {
            return row.cachedTokensPerSecond() * 2.0 * matmulWeights / 1e9;
        }

        /** One JSON object on one line. */
        public String toJson() {
            var sb = new StringBuilder();
            sb.append(String.format(
                    Locale.ROOT,
                    "{\"benchmark\":\"sampler\",\"device\":\"%s\",\"family\":\"%s\","
                            + "\"parameters\":%d,\"matmul_weights\":%d,\"batch\":%d,\"peak_matmul_gflops\":%.2f,\"rows\":[",
                    device,
                    family,
                    parameters,
                    matmulWeights,
                    batch,
                    peakGflops));
            for (int i = 0; i < rows.size(); i++) {
                Row r = rows.get(i);
                sb.append(i == 0 ? "" : ",")
                        .append(String.format(
                                Locale.ROOT,
                                "{\"length\":%d,\"kv_cache_tokens_per_s\":%.1f,\"recompute_tokens_per_s\":%.1f,\"ratio\":%.2f,"
                                        + "\"kv_cache_gflops\":%.3f,\"fraction_of_peak\":%.4f}",
                                r.length(),
                                r.cachedTokensPerSecond(),
                                r.recomputeTokensPerSecond(),
                                r.ratio(),
                                achievedGflops(r),
                                achievedGflops(r) / peakGflops));
            }
            return sb.append("]}").toString();
        }
    }

    private static final String ALPHABET = "0123456789+=";

    private SamplerBenchmark() {}

    /** A built-in GPT over the arithmetic alphabet: width {@code dModel}, {@code layers} blocks, 4 heads. */
    public static CausalLm builtIn(int dModel, int layers, int maxSeqLen, Device device, long seed) {
        var tokenizer = new CharTokenizer(ALPHABET);
        return CausalLm.create(
                new LmConfig(tokenizer.vocabSize(), dModel, layers, 4, 4 * dModel, maxSeqLen), tokenizer, device, seed);
    }

    /**
     * A randomly initialised Llama-family model with a synthetic word-level vocabulary of
     * {@code vocab} ids (words {@code w0, w1, ...}): what a Hugging Face checkpoint of that shape costs.
     */
    public static CausalLm llama(
            int vocab,
            int dModel,
            int layers,
            int heads,
            int kvHeads,
            int dFf,
            int maxSeqLen,
            Device device,
            long seed) {
        var words = new ArrayList<String>(vocab);
        for (int i = 0; i < vocab - WordLevelTokenizer.SPECIALS.size(); i++) {
            words.add("w" + i);
        }
        var config = new LmConfig(
                LmConfig.Family.LLAMA,
                vocab,
                dModel,
                layers,
                heads,
                kvHeads,
                dModel / heads,
                dFf,
                maxSeqLen,
                1e-6,
                10000.0,
                false,
                false,
                false,
                true,
                "silu");
        return CausalLm.create(config, WordLevelTokenizer.of(words), device, seed);
    }

    /** Measures {@code lm} (not closed here). Prompts: 6–13 random non-special token ids per row. */
    public static Result run(CausalLm lm, Options options) {
        var rng = new SplittableRandom(options.seed());
        var suppressed =
                java.util.Arrays.stream(lm.tokenizer().suppressed()).boxed().toList();
        var prompts = new ArrayList<int[]>();
        for (int i = 0; i < options.batch(); i++) {
            int[] p = new int[6 + i % 8];
            for (int t = 0; t < p.length; t++) {
                int id;
                do {
                    id = rng.nextInt(lm.tokenizer().vocabSize());
                } while (suppressed.contains(id) || lm.tokenizer().isEos(id));
                p[t] = id;
            }
            if (lm.tokenizer().bos() >= 0) {
                p[0] = lm.tokenizer().bos();
            }
            prompts.add(p);
        }
        int longest = Arrays.stream(options.lengths()).max().orElseThrow();
        if (13 + longest - 1 > lm.config().maxSeqLen()) {
            throw new IllegalArgumentException("longest length " + longest + " needs " + (13 + longest - 1)
                    + " positions with the benchmark's prompts, but the model has "
                    + lm.config().maxSeqLen());
        }
        var rows = new ArrayList<Row>();
        // warm-up: first calls pay for native initialisation and allocator growth
        Sampler.sample(lm, prompts, 1, sampling(8, options.seed()), Sampler.Decoding.KV_CACHE);
        Sampler.sample(lm, prompts, 1, sampling(8, options.seed()), Sampler.Decoding.RECOMPUTE);
        for (int length : options.lengths()) {
            var cached = measure(lm, prompts, length, options, Sampler.Decoding.KV_CACHE);
            var recompute = measure(lm, prompts, length, options, Sampler.Decoding.RECOMPUTE);
            requireSameTokens(cached.completions(), recompute.completions(), "KV cache", "recomputation");
            rows.add(new Row(length, cached.tokensPerSecond(), recompute.tokensPerSecond()));
        }
        double peak = options.matmulSize() == 0 ? Double.NaN : matmulGflops(lm.device(), options.matmulSize(), 5);
        return new Result(
                lm.device().toString(),
                lm.config().family().id(),
                lm.parameters().parameterCount(),
                matmulWeights(lm),
                options.batch(),
                rows,
                peak);
    }

    /** Weights used in matrix products per token: rank-2 parameters except embedding tables, plus a tied head. */
    static long matmulWeights(CausalLm lm) {
        long m = 0;
        for (String name : lm.parameters().names()) {
            var shape = lm.parameters().get(name).getShape();
            boolean embedding = name.equals("wte")
                    || name.equals("wpe")
                    || name.endsWith("embed_tokens.weight")
                    || name.endsWith("wte.weight")
                    || name.endsWith("wpe.weight");
            if (shape.dimension() == 2 && !embedding) {
                m += shape.size();
            }
        }
        if (lm.config().tiedEmbeddings()) {
            m += (long) lm.config().vocabSize() * lm.config().dModel();
        }
        return m;
    }

    /** Best of {@code repeats} float32 products of two n×n matrices through DJL: 2n³ / seconds / 1e9. */
    public static double matmulGflops(Device device, int n, int repeats) {
        try (NoGrad ignored = NoGrad.enter();
                NDManager m = NDManager.newBaseManager(device, "PyTorch")) {
            NDArray a = m.randomUniform(-1f, 1f, new Shape(n, n));
            NDArray b = m.randomUniform(-1f, 1f, new Shape(n, n));
            a.matMul(b).close();
            double best = Double.MAX_VALUE;
            for (int i = 0; i < repeats; i++) {
                long start = System.nanoTime();
                NDArray c = a.matMul(b);
                c.getFloat(0, 0); // forces completion on asynchronous devices
                best = Math.min(best, (System.nanoTime() - start) / 1e9);
                c.close();
            }
            return 2.0 * n * n * n / best / 1e9;
        }
    }

    private static SamplingOptions sampling(int length, long seed) {
        return SamplingOptions.of(1.0, length, seed).withStopAtEos(false);
    }

    private record Measurement(double tokensPerSecond, List<Completion> completions) {}

    private static void requireSameTokens(List<Completion> a, List<Completion> b, String what, String versus) {
        for (int r = 0; r < a.size(); r++) {
            if (!Arrays.equals(a.get(r).tokens(), b.get(r).tokens())) {
                throw new IllegalStateException(what + " and " + versus + " sampled different tokens in row " + r);
            }
        }
    }

    private static Measurement measure(
            CausalLm lm, List<int[]> prompts, int length, Options options, Sampler.Decoding decoding) {
        double best = 0;
        List<Completion> reference = null;
        for (int i = 0; i < options.repeats(); i++) {
            long start = System.nanoTime();
            var out = Sampler.sample(lm, prompts, 1, sampling(length, options.seed()), decoding);
            double seconds = (System.nanoTime() - start) / 1e9;
            long tokens = out.stream().mapToLong(Completion::length).sum();
            if (tokens != (long) length * prompts.size()) {
                throw new IllegalStateException(
                        "benchmark expected " + (long) length * prompts.size() + " tokens, sampled " + tokens);
            }
            if (reference != null) {
                requireSameTokens(out, reference, "repeat " + i, "repeat 0");
            }
            reference = out;
            best = Math.max(best, tokens / seconds);
        }
        return new Measurement(best, reference);
    }
}
