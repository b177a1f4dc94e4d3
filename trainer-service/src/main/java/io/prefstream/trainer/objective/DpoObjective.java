package io.prefstream.trainer.objective;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import java.util.Map;

/**
 * DPO, with optional label smoothing (conservative DPO):
 * {@code L = −(1−ε)·log σ(β·Δ) − ε·log σ(−β·Δ)}, Δ = (log π_θ − log π_ref)(y_w) −
 * (log π_θ − log π_ref)(y_l), averaged over pairs. ε = 0 is DPO (Rafailov et al. 2023, "Direct
 * Preference Optimization"); ε > 0 is cDPO (Mitchell 2023, "A note on DPO with noisy preferences").
 * As {@code online-dpo} (alias {@code iterative-dpo}) it is the oracle of online iterative DPO on
 * pairs built from fresh labeled rollouts (Xiong et al. 2024, GSHF, Eq. 9), optionally mixed with
 * offline pairs (hybrid GSHF); the mean is over the offline and online pairs present, so a batch
 * whose rollouts all tie (no online pair) trains on its offline pairs alone (see {@link
 * PairObjective}).
 *
 * <p>Dimension legend: B = pairs.
 */
final class DpoObjective extends PairObjective {

    private final double beta;
    private final double epsilon;

    DpoObjective(String name, Requirements requirements, double beta, double epsilon) {
        super(name, requirements);
        this.beta = beta;
        this.epsilon = epsilon;
    }

    @Override
    double marginScale() {
        return beta;
    }

    @Override
    NDArray loss(PairBatch batch, Map<String, Double> metrics) {
        return perPair(batch.delta(), beta, epsilon).mean();
    }

    /** −(1−ε)·log σ(βΔ) − ε·log σ(−βΔ) = (1−ε)·softplus(−βΔ) + ε·softplus(βΔ). */
    static NDArray perPair(NDArray delta, double beta, double epsilon) {
        NDArray logits = delta.mul(NativeTensors.scalar(delta, beta)); // (B)
        NDArray loss = Activation.softPlus(logits.neg()); // (B)
        if (epsilon == 0) {
            return loss;
        }
        return loss.mul(NativeTensors.scalar(loss, 1 - epsilon))
                .add(Activation.softPlus(logits).mul(NativeTensors.scalar(loss, epsilon))); // (B)
    }
}
