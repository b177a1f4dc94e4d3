package io.prefstream.model.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.prefstream.model.nn.NativeScalar;
import io.prefstream.model.nn.NoGrad;

/**
 * Teacher-forced log-probabilities of responses, in one padded, masked forward pass.
 *
 * <ul>
 *   <li>per token: {@code ℓ_t = log softmax(z_t / τ + m)[y_t]} with {@code m = −1e9} on the tokenizer's
 *       suppressed ids (PAD, BOS: never emitted), 0 elsewhere — exactly what {@link Sampler} records;</li>
 *   <li>sequence: {@code log π(y|x) = Σ_{t ∈ response} ℓ_t} (prompt masked, EOS included);</li>
 *   <li>KL: {@code Σ_{t ∈ response} Σ_v π_t(v) (log π_t(v) − log π_ref,t(v))}, exact over the
 *       vocabulary at each position of the given sequences.</li>
 * </ul>
 *
 * <p>Gradients: results carry a graph when called inside a DJL {@code GradientCollector} with a
 * trainable model; the {@code *NoGrad} variants and the reference side of {@link #kl} never do.
 * Results are created in {@code scope}; temporaries are freed before returning.
 *
 * <p>Dimensions: B rows, T predicted positions, V vocabulary.
 */
public final class LogProbs {

    private static final float SUPPRESSED = -1e9f;

    private LogProbs() {}

    /** (V) additive logit mask: −1e9 on the tokenizer's suppressed ids (PAD, BOS), 0 elsewhere. */
    static float[] suppressionMask(CausalLm lm) {
        float[] m = new float[lm.config().vocabSize()];
        for (int id : lm.tokenizer().suppressed()) {
            m[id] = SUPPRESSED;
        }
        return m;
    }

    /** Log-softmax over the emittable vocabulary at temperature τ: (B, T, V). Created in {@code scope}. */
    public static NDArray logSoftmax(NDManager scope, CausalLm lm, ScoringBatch batch, double temperature) {
        requirePositive(temperature);
        if (batch.length() > lm.config().maxSeqLen()) {
            throw new IllegalArgumentException(
                    "scoring batch has " + batch.length() + " input positions but the model's max_seq_len is "
                            + lm.config().maxSeqLen());
        }
        try (NDManager tmp = scope.newSubManager(lm.device())) {
            var in = batch.inputs();
            NDArray logits = lm.logits(in.tokens(tmp), in.positions(tmp), in.keyMask(tmp), null); // (B, T, V)
            NDArray out = logits.div(NativeScalar.of(logits, temperature))
                    .add(tmp.create(suppressionMask(lm)))
                    .logSoftmax(-1); // (B, T, V)
            out.attach(scope);
            return out;
        }
    }

    /** Per-token log-probs of the targets, 0 outside the response: (B, T). */
    public static NDArray tokens(NDManager scope, CausalLm lm, ScoringBatch batch, double temperature) {
        try (NDManager tmp = scope.newSubManager(lm.device())) {
            NDArray logp = logSoftmax(tmp, lm, batch, temperature); // (B, T, V)
            NDArray targets = batch.targets(tmp).expandDims(-1); // (B, T, 1)
            NDArray picked = logp.gather(targets, -1)
                    .squeeze(-1) // (B, T)
                    .mul(batch.targetMask(tmp));
            picked.attach(scope);
            return picked;
        }
    }

    /** Sequence log-probs {@code Σ_response ℓ_t}: (B). */
    public static NDArray sequence(NDManager scope, CausalLm lm, ScoringBatch batch, double temperature) {
        try (NDManager tmp = scope.newSubManager(lm.device())) {
            NDArray sum = tokens(tmp, lm, batch, temperature).sum(new int[] {1}); // (B)
            sum.attach(scope);
            return sum;
        }
    }

    /** Sequence log-probs without recording a graph, as Java doubles. */
    public static double[] sequenceNoGrad(CausalLm lm, ScoringBatch batch, double temperature) {
        try (NoGrad ignored = NoGrad.enter();
                NDManager scope = NDManager.newBaseManager(lm.device(), "PyTorch")) {
            return toDoubles(sequence(scope, lm, batch, temperature));
        }
    }

    /** Per-token log-probs without recording a graph: [row][t] over T columns, 0 outside the response. */
    public static float[][] tokensNoGrad(CausalLm lm, ScoringBatch batch, double temperature) {
        try (NoGrad ignored = NoGrad.enter();
                NDManager scope = NDManager.newBaseManager(lm.device(), "PyTorch")) {
            float[] flat = tokens(scope, lm, batch, temperature).toFloatArray();
            float[][] out = new float[batch.batchSize()][batch.length()];
            for (int i = 0; i < out.length; i++) {
                System.arraycopy(flat, i * batch.length(), out[i], 0, batch.length());
            }
            return out;
        }
    }

    /**
     * Exact per-token KL(π‖π_ref) summed over response positions: (B). The policy side records a
     * graph when the caller is collecting gradients; the reference side never does.
     */
    public static NDArray kl(
            NDManager scope, CausalLm policy, CausalLm reference, ScoringBatch batch, double temperature) {
        try (NDManager tmp = scope.newSubManager(policy.device())) {
            NDArray logp = logSoftmax(tmp, policy, batch, temperature); // (B, T, V)
            NDArray logq;
            try (NoGrad ignored = NoGrad.enter()) {
                logq = logSoftmax(tmp, reference, batch, temperature).toDevice(policy.device(), false); // (B, T, V)
            }
            NDArray kl = klFromLogProbs(logp, logq, batch.targetMask(tmp)); // (B)
            kl.attach(scope);
            return kl;
        }
    }

    /**
     * {@code Σ_t mask_t Σ_v exp(logp_t(v)) (logp_t(v) − logq_t(v))}: logp, logq (B, T, V), mask (B, T)
     * → (B), created in logp's manager.
     */
    public static NDArray klFromLogProbs(NDArray logp, NDArray logq, NDArray mask) {
        NDArray perPosition = logp.exp().mul(logp.sub(logq)).sum(new int[] {2}); // (B, T)
        return perPosition.mul(mask).sum(new int[] {1}); // (B)
    }

    /** {@link #kl} without recording a graph, as Java doubles. */
    public static double[] klNoGrad(CausalLm policy, CausalLm reference, ScoringBatch batch, double temperature) {
        try (NoGrad ignored = NoGrad.enter();
                NDManager scope = NDManager.newBaseManager(policy.device(), "PyTorch")) {
            return toDoubles(kl(scope, policy, reference, batch, temperature));
        }
    }

    static double[] toDoubles(NDArray a) {
        float[] f = a.toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private static void requirePositive(double temperature) {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be finite and > 0, found " + temperature);
        }
    }
}
