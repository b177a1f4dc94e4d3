package io.prefstream.model.lm;

/**
 * How {@link Sampler} draws tokens.
 *
 * @param temperature τ &gt; 0; logits are divided by it
 * @param topK draw only among the k most likely tokens; 0 = off
 * @param topP draw only from the smallest set whose probability reaches p (after top-k); 1 = off
 * @param maxNewTokens response token limit, EOS included
 * @param stopAtEos stop a sequence when it draws EOS; false only for benchmarks (exact lengths)
 * @param seed same seed, model, prompts and options give the same completions
 */
public record SamplingOptions(
        double temperature, int topK, double topP, int maxNewTokens, boolean stopAtEos, long seed) {

    public SamplingOptions {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException(
                    "temperature must be finite and > 0, found " + temperature + " (for greedy decoding use topK=1)");
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK must be >= 0 (0 = off), found " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1] (1 = off), found " + topP);
        }
        if (maxNewTokens <= 0) {
            throw new IllegalArgumentException("maxNewTokens must be > 0, found " + maxNewTokens);
        }
    }

    /** Plain sampling at {@code temperature}: no top-k/top-p, stop at EOS. */
    public static SamplingOptions of(double temperature, int maxNewTokens, long seed) {
        return new SamplingOptions(temperature, 0, 1.0, maxNewTokens, true, seed);
    }

    public SamplingOptions withSeed(long newSeed) {
        return new SamplingOptions(temperature, topK, topP, maxNewTokens, stopAtEos, newSeed);
    }

    public SamplingOptions withTopK(int k) {
        return new SamplingOptions(temperature, k, topP, maxNewTokens, stopAtEos, seed);
    }

    public SamplingOptions withTopP(double p) {
        return new SamplingOptions(temperature, topK, p, maxNewTokens, stopAtEos, seed);
    }

    public SamplingOptions withStopAtEos(boolean stop) {
        return new SamplingOptions(temperature, topK, topP, maxNewTokens, stop, seed);
    }
}
