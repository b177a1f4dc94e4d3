package io.prefstream.trainer.objective;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * Adaptive importance sampling for direct alignment (AIS-DPO / AIS-IPO):
 * {@code L = mean_B[ sg(w)·ℓ(Δ) ]}, {@code w = min(clip, exp(α_w·h_w + α_l·h_l))},
 * {@code h = log π_θ − log μ}, ℓ the DPO loss −log σ(βΔ) or the IPO loss (Δ − 1/(2β))²
 * ("Mitigating Reward Over-optimization in Direct Alignment Algorithms with Adaptive Importance
 * Sampling", 2024; α = 1/|y| is the paper's adaptive choice, α = 0 is plain DPO/IPO).
 *
 * <p>Decisions where the paper is open: α = 1/|y| is applied per response (α_w = 1/|y_w|,
 * α_l = 1/|y_l|), since the paper derives it for one response's weight w^{1/T}; w is detached, since
 * differentiating it would lower the likelihood of both dataset responses; the batch mean is plain
 * (no self-normalisation), as printed; μ = π_ref for offline pairs without a behaviour log-prob
 * (the paper's assumption) and the recorded behaviour policy otherwise.
 *
 * <p>Dimension legend: B = pairs.
 */
final class AisObjective extends PairObjective {

    /** Which direct-alignment loss ℓ is importance-weighted. */
    enum Base {
        DPO,
        IPO
    }

    private final Base base;
    private final double beta;
    private final AisAlpha alpha;
    private final double clip;

    AisObjective(String name, Requirements requirements, Base base, double beta, AisAlpha alpha, double clip) {
        super(name, requirements);
        this.base = base;
        this.beta = beta;
        this.alpha = alpha;
        this.clip = clip;
    }

    @Override
    double marginScale() {
        return beta;
    }

    @Override
    NDArray loss(PairBatch batch, Map<String, Double> metrics) {
        NDArray[] proposal = batch.proposal(name());
        NDArray hw = batch.policyChosen().stopGradient().sub(proposal[0]); // (B)
        NDArray hl = batch.policyRejected().stopGradient().sub(proposal[1]); // (B)
        NDArray logW = alpha.adaptive()
                ? hw.div(batch.lengthChosen()).add(hl.div(batch.lengthRejected())) // (B)
                : hw.add(hl).mul(alpha.fixed()); // (B)
        NDArray w = logW.exp(); // (B)
        if (Double.isFinite(clip)) {
            w = w.minimum(clip);
        }
        ImportanceWeights.of(TensorChecks.values(w)).putInto(metrics);
        NDArray delta = batch.delta(); // (B)
        NDArray perPair =
                base == Base.DPO ? DpoObjective.perPair(delta, beta, 0) : IpoObjective.perPair(delta, beta); // (B)
        return perPair.mul(w).mean();
    }
}
