package io.prefstream.trainer.objective;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * The two distributions over the K completions of each labeled group used by EXO (Ji et al. 2024,
 * Eqs. 11–12), with the proposal correction of the EXO digest §5 for groups sampled from q ≠ π_ref:
 * {@code log p_f ∝ β_π·(log π_θ − log π_ref) + (log π_ref − log q)} and
 * {@code log p_r ∝ r/β_r + (log π_ref − log q)}; without a behaviour log-prob q = π_ref and the
 * correction vanishes. Padded completions get probability 0. Must be built inside an {@code NDScope}.
 *
 * <p>Dimension legend: G = groups, K = completions per group.
 *
 * @param logPf log p_f, with gradient // (G, K)
 * @param logPr log p_r, detached // (G, K)
 * @param mask 1 = real completion, 0 = padding // (G, K)
 */
record GroupSoftmax(NDArray logPf, NDArray logPr, NDArray mask) {

    /** Logit offset that drives padded completions' probability to exactly 0 after exp. */
    private static final double PAD = 1e9;

    static GroupSoftmax of(GroupTensors groups, double betaPi, double betaR) {
        NDArray policy = groups.policy(); // (G, K)
        NDArray ref = NativeTensors.detachedCopy(groups.ref()); // (G, K)
        NDArray rewards = NativeTensors.detachedCopy(groups.rewards()
                .orElseThrow(() ->
                        new IllegalArgumentException("expected rewards (G, K) on labeled groups but found none")));
        NDArray mask = groups.mask()
                .map(NativeTensors::detachedCopy)
                .orElseGet(() -> policy.getManager().ones(policy.getShape(), policy.getDataType())); // (G, K)
        NDArray padding = mask.sub(1).mul(PAD); // (G, K): 0 real, −1e9 padded
        NDArray correction = groups.behaviour()
                .map(q -> ref.sub(NativeTensors.detachedCopy(q))) // (G, K)
                .orElseGet(() -> ref.zerosLike());
        NDArray logRatio = policy.sub(ref); // (G, K)
        NDArray fLogits = logRatio.mul(NativeTensors.scalar(logRatio, betaPi))
                .add(correction)
                .add(padding); // (G, K)
        NDArray rLogits = rewards.div(betaR).add(correction).add(padding); // (G, K)
        return new GroupSoftmax(logSoftmax(fLogits), logSoftmax(rLogits), mask);
    }

    /**
     * log-softmax over K as x − m − log Σ exp(x − m), m = max_K x taken on the host: exact
     * (log-softmax is shift invariant) and far faster on CPU than {@code logSoftmax(1)} or
     * {@code max(axis)}, whose parallel kernels stall on a busy machine (10–20 ms for (32, 8)).
     */
    private static NDArray logSoftmax(NDArray logits) {
        int g = Math.toIntExact(logits.getShape().get(0));
        int k = Math.toIntExact(logits.getShape().get(1));
        double[] values = TensorChecks.values(logits);
        double[] max = new double[g];
        for (int i = 0; i < g; i++) {
            max[i] = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                max[i] = Math.max(max[i], values[i * k + j]);
            }
        }
        NDArray shift = logits.getManager().create(max, new Shape(g, 1)); // (G, 1), saved by nothing
        NDArray shifted = logits.sub(shift.toType(logits.getDataType(), false)); // (G, K)
        return shifted.sub(shifted.exp().sum(new int[] {1}, true).log()); // (G, K)
    }

    /** p_f, with gradient. */
    NDArray pf() {
        return logPf.exp().mul(mask); // (G, K)
    }

    /** p_r, detached. */
    NDArray pr() {
        return logPr.exp().mul(mask); // (G, K)
    }
}
