package io.prefstream.trainer.objective;

import ai.djl.ndarray.NDArray;

/**
 * EXO with rewards over K completions: {@code L = mean_G KL(p_f ‖ p_r)},
 * {@code p_f = softmax_K(β_π·(log π_θ − log π_ref))}, {@code p_r = softmax_K(r/β_r)} (Ji et al.
 * 2024, "Towards Efficient Exact Optimization of Language Model Alignment", Eq. 13). Reverse KL:
 * mode-seeking; as K → ∞ its gradient is ∇KL(π_θ^{β_π} ‖ π*_{β_r}). Groups sampled from q ≠ π_ref
 * use the corrected proposal of {@link GroupSoftmax}.
 *
 * <p>Dimension legend: G = groups, K = completions per group.
 */
final class ExoRewardObjective extends GroupObjective {

    ExoRewardObjective(String name, double betaPi, double betaR) {
        super(name, betaPi, betaR);
    }

    @Override
    NDArray perGroup(GroupSoftmax dist) {
        return dist.pf().mul(dist.logPf().sub(dist.logPr())).sum(new int[] {1}); // (G)
    }
}
