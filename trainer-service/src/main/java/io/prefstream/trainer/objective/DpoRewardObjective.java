package io.prefstream.trainer.objective;

import ai.djl.ndarray.NDArray;

/**
 * DPO generalised to K completions with rewards, EXO's forward-KL counterpart:
 * {@code L = mean_G −Σ_K p_r·log p_f} = KL(p_r ‖ p_f) + H(p_r) with p_f, p_r as in {@link
 * ExoRewardObjective} (Ji et al. 2024, Eq. 17). Mean-seeking; as K → ∞ its gradient is
 * ∇KL(π*_{β_r} ‖ π_θ^{β_π}). The loss is the paper's cross-entropy (its value includes the constant
 * H(p_r)).
 *
 * <p>Dimension legend: G = groups, K = completions per group.
 */
final class DpoRewardObjective extends GroupObjective {

    DpoRewardObjective(String name, double betaPi, double betaR) {
        super(name, betaPi, betaR);
    }

    @Override
    NDArray perGroup(GroupSoftmax dist) {
        return dist.pr().mul(dist.logPf()).sum(new int[] {1}).neg(); // (G)
    }
}
