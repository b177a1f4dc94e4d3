package io.prefstream.model.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.prefstream.model.nn.KvCache;
import io.prefstream.model.nn.NativeScalar;
import io.prefstream.model.nn.NoGrad;
import io.prefstream.model.nn.TokenBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Batched autoregressive sampling with a KV cache.
 *
 * <p>Contract for recorded log-probs: token {@code y_t} is recorded with
 * {@code log p_τ(y_t) = log softmax(z_t / τ + m)[y_t]} over the FULL emittable vocabulary
 * ({@code m = −1e9} on PAD and BOS, which the policy never emits, 0 elsewhere). Top-k and top-p
 * only restrict which token is drawn, not the recorded probability, so
 * {@link LogProbs#sequence} at the same τ reproduces the recorded values exactly (with top-k/top-p
 * off the two are the same distribution). The sequence log-prob sums response tokens, EOS included.
 *
 * <p>Device: logits, the log-softmax, top-k/top-p and the draw stay on the model's device; per
 * step only one uniform per row goes in and one token id and log-prob per row come back.
 *
 * <p>Layout: K copies of each prompt (row {@code i·K + j} is sample j of prompt i), left-padded;
 * each row draws from its own random stream split in order from {@code seed}, so results are
 * reproducible. Finished rows are fed PAD (masked) until every row is done or the limit is hit.
 *
 * <p>Dimensions: B rows (prompts × K), P padded prompt length, S keys so far, V vocabulary.
 */
public final class Sampler {

    /** Whether decoding reuses cached keys/values or recomputes the whole prefix each step. */
    public enum Decoding {
        KV_CACHE,
        RECOMPUTE
    }

    private Sampler() {}

    /** Samples {@code k} responses per prompt text with the KV cache. */
    public static List<Completion> sampleText(CausalLm lm, List<String> prompts, int k, SamplingOptions options) {
        var encoded = prompts.stream().map(lm.tokenizer()::encodePrompt).toList();
        return sample(lm, encoded, k, options, Decoding.KV_CACHE);
    }

    /** Samples {@code k} responses per encoded prompt (BOS included) with the KV cache. */
    public static List<Completion> sample(CausalLm lm, List<int[]> prompts, int k, SamplingOptions options) {
        return sample(lm, prompts, k, options, Decoding.KV_CACHE);
    }

    /** Samples {@code k} responses per encoded prompt; results are in prompt-major order. */
    public static List<Completion> sample(
            CausalLm lm, List<int[]> prompts, int k, SamplingOptions options, Decoding decoding) {
        return sample(lm, prompts, k, options, decoding, null);
    }

    /**
     * Samples {@code k} responses per encoded prompt with one seed per prompt: the K rows of prompt
     * i draw from streams split in order from {@code new SplittableRandom(promptSeeds[i])}
     * ({@code options.seed()} is not used), so a prompt's samples do not depend on which other
     * prompts share the batch: sampling it alone with {@code options.withSeed(promptSeeds[i])} gives
     * the same completions, up to float rounding of the batched forward pass.
     */
    public static List<Completion> sample(
            CausalLm lm, List<int[]> prompts, int k, SamplingOptions options, long[] promptSeeds) {
        if (promptSeeds.length != prompts.size()) {
            throw new IllegalArgumentException("need one seed per prompt, found " + prompts.size() + " prompts and "
                    + promptSeeds.length + " seeds");
        }
        return sample(lm, prompts, k, options, Decoding.KV_CACHE, promptSeeds.clone());
    }

    private static List<Completion> sample(
            CausalLm lm, List<int[]> prompts, int k, SamplingOptions options, Decoding decoding, long[] promptSeeds) {
        if (k <= 0) {
            throw new IllegalArgumentException("samples per prompt must be > 0, found " + k);
        }
        var rows = new ArrayList<int[]>(prompts.size() * k);
        for (int[] p : prompts) {
            for (int j = 0; j < k; j++) {
                rows.add(p);
            }
        }
        TokenBatch prompt = TokenBatch.leftPadded(rows, lm.tokenizer().pad());
        int maxPositions = Arrays.stream(prompt.lengths()).max().orElseThrow() + options.maxNewTokens() - 1;
        if (maxPositions > lm.config().maxSeqLen()) {
            throw new IllegalArgumentException("longest prompt (" + (maxPositions - options.maxNewTokens() + 1)
                    + " tokens) + maxNewTokens (" + options.maxNewTokens() + ") - 1 = " + maxPositions
                    + " exceeds the model's max_seq_len " + lm.config().maxSeqLen());
        }
        return new Run(lm, prompt, k, options, decoding, promptSeeds).execute();
    }

    /** One sampling run's mutable state. */
    private static final class Run {
        private final CausalLm lm;
        private final TokenBatch prompt;
        private final int k;
        private final SamplingOptions options;
        private final Decoding decoding;
        private final int b;
        private final int v;
        private final int stride;
        private final long[] tokens; // (B, P + maxNew) every fed token, row stride = stride
        private final long[] positions; // (B, P + maxNew)
        private final float[] keyMask; // (B, P + maxNew)
        private final int[] realCount; // real tokens per row so far
        private final int[][] drawn;
        private final float[][] drawnLogProbs;
        private final int[] drawnCount;
        private final double[] seqLogProb;
        private final boolean[] finished;
        private final SplittableRandom[] rngs;
        private final float[] suppress;

        Run(CausalLm lm, TokenBatch prompt, int k, SamplingOptions options, Decoding decoding, long[] promptSeeds) {
            this.lm = lm;
            this.prompt = prompt;
            this.k = k;
            this.options = options;
            this.decoding = decoding;
            this.b = prompt.batchSize();
            this.v = lm.config().vocabSize();
            this.stride = prompt.length() + options.maxNewTokens();
            this.tokens = new long[b * stride];
            this.positions = new long[b * stride];
            this.keyMask = new float[b * stride];
            this.realCount = new int[b];
            this.drawn = new int[b][options.maxNewTokens()];
            this.drawnLogProbs = new float[b][options.maxNewTokens()];
            this.drawnCount = new int[b];
            this.seqLogProb = new double[b];
            this.finished = new boolean[b];
            this.rngs = new SplittableRandom[b];
            var base = new SplittableRandom(options.seed());
            for (int r = 0; r < b; r++) {
                if (promptSeeds != null && r % k == 0) {
                    base = new SplittableRandom(promptSeeds[r / k]);
                }
                rngs[r] = base.split();
                realCount[r] = prompt.lengths()[r];
                for (int t = 0; t < prompt.length(); t++) {
                    tokens[r * stride + t] = prompt.tokens()[r * prompt.length() + t];
                    positions[r * stride + t] = prompt.positions()[r * prompt.length() + t];
                    keyMask[r * stride + t] = prompt.keyMask()[r * prompt.length() + t];
                }
            }
            this.suppress = LogProbs.suppressionMask(lm);
        }

        List<Completion> execute() {
            try (NoGrad ignored = NoGrad.enter();
                    NDManager scope = NDManager.newBaseManager(lm.device(), "PyTorch");
                    KvCache cache = decoding == Decoding.KV_CACHE
                            ? new KvCache(lm.config().nLayers(), lm.device())
                            : null) {
                NDArray mask = TokenBatch.nativeCopy(scope.create(suppress)); // (V)
                int fed = prompt.length();
                for (int step = 0; step < options.maxNewTokens(); step++) {
                    boolean anyActive;
                    try (NDManager stepScope = scope.newSubManager()) {
                        NDArray logits = decoding == Decoding.KV_CACHE && step > 0
                                ? forward(stepScope, cache, fed - 1, fed)
                                : forward(stepScope, cache, 0, fed); // (B, V)
                        anyActive = drawStep(stepScope, logits, mask);
                    }
                    if (!anyActive || step == options.maxNewTokens() - 1) {
                        break;
                    }
                    for (int r = 0; r < b; r++) {
                        int idx = r * stride + fed;
                        if (finished[r]) {
                            tokens[idx] = lm.tokenizer().pad();
                            positions[idx] = 0;
                            keyMask[idx] = 0f;
                        } else {
                            tokens[idx] = drawn[r][drawnCount[r] - 1];
                            positions[idx] = realCount[r]++;
                            keyMask[idx] = 1f;
                        }
                    }
                    fed++;
                }
            }
            return completions();
        }

        /** Feeds columns [from, to) and returns the last column's logits (B, V), on the model's device. */
        private NDArray forward(NDManager step, KvCache cache, int from, int to) {
            int t = to - from;
            long[] tok = new long[b * t];
            long[] pos = new long[b * t];
            float[] mask = new float[b * to];
            for (int r = 0; r < b; r++) {
                System.arraycopy(tokens, r * stride + from, tok, r * t, t);
                System.arraycopy(positions, r * stride + from, pos, r * t, t);
                System.arraycopy(keyMask, r * stride, mask, r * to, to);
            }
            NDArray logits = lm.logits(
                    step.create(tok, new Shape(b, t)),
                    step.create(pos, new Shape(b, t)),
                    step.create(mask, new Shape(b, to)),
                    decoding == Decoding.KV_CACHE ? cache : null); // (B, T, V)
            return logits.get(":, -1, :"); // (B, V)
        }

        /**
         * Draws one token for every active row on the device: only one uniform per row goes in and one
         * token id and its log-prob per row come back. Returns whether any row is still active.
         *
         * <p>Draw: with weights {@code w} (the probabilities, restricted by top-k then top-p over the
         * tokens sorted by probability), the token is the first {@code i} whose cumulative weight
         * exceeds {@code u · Σw}, {@code u ~ U[0, 1)} from the row's own stream.
         */
        private boolean drawStep(NDManager step, NDArray logits, NDArray suppressMask) {
            double[] u = new double[b];
            for (int r = 0; r < b; r++) {
                // one draw per active row and step, from the row's own stream (finished rows draw nothing)
                u[r] = finished[r] ? 0 : rngs[r].nextDouble();
            }
            NDArray logp = logits.div(NativeScalar.of(logits, options.temperature()))
                    .add(suppressMask)
                    .logSoftmax(-1); // (B, V)
            boolean restricted = options.topK() > 0 || options.topP() < 1;
            NDArray order = restricted ? logp.argSort(1, false) : null; // (B, V) by prob desc
            NDArray weights = (restricted ? logp.gather(order, 1) : logp).exp(); // (B, V)
            if (restricted) {
                weights = weights.mul(keepMask(step, weights));
            }
            // the cumulative sum runs in float64: in float32 over a large, flat vocabulary its rounding
            // (~V·6e-8) exceeds a token's probability, and near-equal logits would draw different tokens
            NDArray cdf = weights.toType(DataType.FLOAT64, false).cumSum(1); // (B, V)
            NDArray threshold = step.create(u, new Shape(b, 1)).mul(cdf.get(":, -1:")); // (B, 1)
            NDArray index = cdf.lte(threshold)
                    .toType(DataType.INT64, false)
                    .sum(new int[] {1}) // (B)
                    .minimum(v - 1)
                    .reshape(b, 1); // (B, 1)
            NDArray token = restricted ? order.gather(index, 1) : index; // (B, 1)
            long[] chosen = token.toLongArray();
            float[] chosenLogp = logp.gather(token, 1).toFloatArray();
            boolean anyActive = false;
            for (int r = 0; r < b; r++) {
                if (finished[r]) {
                    continue;
                }
                int t = (int) chosen[r];
                drawn[r][drawnCount[r]] = t;
                drawnLogProbs[r][drawnCount[r]] = chosenLogp[r];
                seqLogProb[r] += chosenLogp[r];
                drawnCount[r]++;
                if ((options.stopAtEos() && lm.tokenizer().isEos(t)) || drawnCount[r] == options.maxNewTokens()) {
                    finished[r] = true;
                } else {
                    anyActive = true;
                }
            }
            return anyActive;
        }

        /**
         * (B, V) 1 where the sorted token survives top-k (rank < k) and then top-p (the normalised
         * cumulative probability of the kept tokens before it is below p), 0 elsewhere.
         */
        private NDArray keepMask(NDManager step, NDArray sortedProbs) {
            NDArray keep = step.ones(sortedProbs.getShape());
            if (options.topK() > 0 && options.topK() < v) {
                float[] ranks = new float[v];
                for (int i = 0; i < v; i++) {
                    ranks[i] = i < options.topK() ? 1f : 0f;
                }
                keep = keep.mul(step.create(ranks, new Shape(1, v)));
            }
            if (options.topP() < 1) {
                NDArray kept = sortedProbs.mul(keep);
                NDArray cumulative = kept.cumSum(1).div(kept.sum(new int[] {1}, true)); // (B, V)
                NDArray before = cumulative.sub(kept.div(kept.sum(new int[] {1}, true))); // (B, V)
                keep = keep.mul(before.lt(options.topP()).toType(DataType.FLOAT32, false));
            }
            return keep;
        }

        private List<Completion> completions() {
            var out = new ArrayList<Completion>(b);
            for (int r = 0; r < b; r++) {
                int[] toks = Arrays.copyOf(drawn[r], drawnCount[r]);
                float[] lps = Arrays.copyOf(drawnLogProbs[r], drawnCount[r]);
                boolean eos = toks.length > 0 && lm.tokenizer().isEos(toks[toks.length - 1]) && options.stopAtEos();
                out.add(new Completion(
                        r / k,
                        r % k,
                        toks,
                        lps,
                        seqLogProb[r],
                        eos ? FinishReason.EOS : FinishReason.LENGTH,
                        lm.tokenizer().decodeResponse(toks)));
            }
            return out;
        }
    }
}
