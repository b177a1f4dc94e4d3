package io.prefstream.trainer.objective;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import java.util.Map;

/**
 * EXO on preference pairs: {@code L = KL(p_f ‖ p_h)} over {y_w, y_l} with
 * {@code p_f = softmax(β_π·(log π_θ − log π_ref))} and the smoothed label {@code p_h = (1−ε, ε)},
 * i.e. {@code L = σ(a)·log(σ(a)/(1−ε)) + σ(−a)·log(σ(−a)/ε)}, a = β_π·Δ (Ji et al. 2024, "Towards
 * Efficient Exact Optimization of Language Model Alignment", Eq. 16). Minimised at the finite margin
 * Δ* = log((1−ε)/ε)/β_π, where DPO pushes Δ → ∞.
 *
 * <p>For pairs with a behaviour log-prob (sampled from q ≠ π_ref) both logits get the proposal
 * correction log π_ref − log q of the EXO digest §5: the smoothed label plays softmax(r/β_r), so it is
 * corrected like p_r (this reweights pairs but keeps the per-pair minimiser Δ*).
 *
 * <p>Dimension legend: B = pairs.
 */
final class ExoPairObjective extends PairObjective {

    private final double betaPi;
    private final double epsilon;

    ExoPairObjective(String name, Requirements requirements, double betaPi, double epsilon) {
        super(name, requirements);
        this.betaPi = betaPi;
        this.epsilon = epsilon;
    }

    @Override
    double marginScale() {
        return betaPi;
    }

    @Override
    NDArray loss(PairBatch batch, Map<String, Double> metrics) {
        NDArray[] proposal = batch.proposal(name());
        NDArray correction =
                batch.refChosen().sub(proposal[0]).sub(batch.refRejected().sub(proposal[1])); // (B), 0 when q = π_ref
        NDArray delta = batch.delta(); // (B)
        NDArray a = delta.mul(NativeTensors.scalar(delta, betaPi)).add(correction); // (B)
        NDArray t = correction.add(Math.log((1 - epsilon) / epsilon)); // (B)
        NDArray pw = Activation.sigmoid(a); // (B)
        NDArray pl = Activation.sigmoid(a.neg()); // (B)
        // log σ(x) = −softplus(−x), log σ(−x) = −softplus(x)
        NDArray chosenTerm = pw.mul(Activation.softPlus(t.neg()).sub(Activation.softPlus(a.neg())));
        NDArray rejectedTerm = pl.mul(Activation.softPlus(t).sub(Activation.softPlus(a)));
        return chosenTerm.add(rejectedTerm).mean(); // (B) → ()
    }
}
