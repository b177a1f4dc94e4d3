package io.prefstream.bench.sampler;

import ai.djl.Device;
import io.prefstream.model.LmConfig;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.lm.Completion;
import io.prefstream.model.lm.Sampler;
import io.prefstream.model.lm.SamplingOptions;
import io.prefstream.model.tokenizer.CharTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Tokens per second of KV-cache sampling versus full recomputation of the prefix at every step,
 * on the same model, batch, prompts and seed, measured side by side in one run.
 *
 * <p>Sampling ignores EOS so every row generates exactly the requested number of tokens; both modes
 * must produce identical tokens (checked), so the comparison is of equal work.
 * Ratio = (tokens/s with cache) / (tokens/s recomputing).
 */
public final class SamplerBenchmark {

    /**
     * @param config model shape; max_seq_len must hold prompt + longest length
     * @param batch rows sampled together
     * @param lengths response lengths to measure
     * @param repeats timed repetitions per (mode, length); the best is reported
     * @param seed sampling and init seed
     * @param device where to run
     */
    public record Options(LmConfig config, int batch, int[] lengths, int repeats, long seed, Device device) {

        public Options {
            if (batch <= 0 || repeats <= 0 || lengths.length == 0) {
                throw new IllegalArgumentException("benchmark needs batch > 0, repeats > 0 and at least one length, found "
                        + batch + ", " + repeats + ", " + Arrays.toString(lengths));
            }
        }

        /** 4 layers of width 128, context 160, batch 16, lengths 32 and 128. */
        public static Options defaults(Device device) {
            return new Options(new LmConfig(ALPHABET.length() + 3, 128, 4, 4, 512, 160), 16, new int[] {32, 128}, 2, 0,
                    device);
        }
    }

    /** One response length's figures. */
    public record Row(int length, double cachedTokensPerSecond, double recomputeTokensPerSecond) {
        public double ratio() {
            return cachedTokensPerSecond / recomputeTokensPerSecond;
        }
    }

    /** All rows plus the setup they were measured on. */
    public record Result(String device, long parameters, int batch, List<Row> rows) {

        /** One JSON object on one line. */
        public String toJson() {
            var sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "{\"benchmark\":\"sampler\",\"device\":\"%s\",\"parameters\":%d,\"batch\":%d,\"rows\":[",
                    device, parameters, batch));
            for (int i = 0; i < rows.size(); i++) {
                Row r = rows.get(i);
                sb.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT,
                        "{\"length\":%d,\"kv_cache_tokens_per_s\":%.1f,\"recompute_tokens_per_s\":%.1f,\"ratio\":%.2f}",
                        r.length(), r.cachedTokensPerSecond(), r.recomputeTokensPerSecond(), r.ratio()));
            }
            return sb.append("]}").toString();
        }
    }

    private static final String ALPHABET = "0123456789+=";

    private SamplerBenchmark() {
    }

    public static Result run(Options options) {
        var tokenizer = new CharTokenizer(ALPHABET);
        var prompts = new ArrayList<int[]>();
        for (int i = 0; i < options.batch(); i++) {
            prompts.add(tokenizer.encodePrompt((i * 7 % 100) + "+" + (i * 13 % 100) + "="));
        }
        var rows = new ArrayList<Row>();
        try (CausalLm lm = CausalLm.create(options.config(), tokenizer, options.device(), options.seed())) {
            // warm-up: first calls pay for native initialisation and allocator growth
            Sampler.sample(lm, prompts, 1, sampling(8, options.seed()), Sampler.Decoding.KV_CACHE);
            Sampler.sample(lm, prompts, 1, sampling(8, options.seed()), Sampler.Decoding.RECOMPUTE);
            for (int length : options.lengths()) {
                var cached = measure(lm, prompts, length, options, Sampler.Decoding.KV_CACHE);
                var recompute = measure(lm, prompts, length, options, Sampler.Decoding.RECOMPUTE);
                requireSameTokens(cached.completions(), recompute.completions(), "KV cache", "recomputation");
                rows.add(new Row(length, cached.tokensPerSecond(), recompute.tokensPerSecond()));
            }
            return new Result(lm.device().toString(), lm.parameters().parameterCount(), options.batch(), rows);
        }
    }

    private static SamplingOptions sampling(int length, long seed) {
        return SamplingOptions.of(1.0, length, seed).withStopAtEos(false);
    }

    private record Measurement(double tokensPerSecond, List<Completion> completions) {
    }

    private static void requireSameTokens(List<Completion> a, List<Completion> b, String what, String versus) {
        for (int r = 0; r < a.size(); r++) {
            if (!Arrays.equals(a.get(r).tokens(), b.get(r).tokens())) {
                throw new IllegalStateException(what + " and " + versus + " sampled different tokens in row " + r);
            }
        }
    }

    private static Measurement measure(CausalLm lm, List<int[]> prompts, int length, Options options,
            Sampler.Decoding decoding) {
        double best = 0;
        List<Completion> reference = null;
        for (int i = 0; i < options.repeats(); i++) {
            long start = System.nanoTime();
            var out = Sampler.sample(lm, prompts, 1, sampling(length, options.seed()), decoding);
            double seconds = (System.nanoTime() - start) / 1e9;
            long tokens = out.stream().mapToLong(Completion::length).sum();
            if (tokens != (long) length * prompts.size()) {
                throw new IllegalStateException("benchmark expected " + (long) length * prompts.size()
                        + " tokens, sampled " + tokens);
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
