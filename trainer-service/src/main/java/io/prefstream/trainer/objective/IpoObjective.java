package io.prefstream.trainer.objective;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * IPO: {@code L = (Δ − 1/(2β))²}, Δ = (log π_θ − log π_ref)(y_w) − (log π_θ − log π_ref)(y_l),
 * averaged over pairs (Azar et al. 2024, "A General Theoretical Paradigm to Understand Learning from
 * Human Preferences"; the empirical loss of HyPO App. B.1 and AIS App. J).
 *
 * <p>Dimension legend: B = pairs.
 */
final class IpoObjective extends PairObjective {

    private final double beta;

    IpoObjective(String name, Requirements requirements, double beta) {
        super(name, requirements);
        this.beta = beta;
    }

    @Override
    double marginScale() {
        return beta;
    }

    @Override
    NDArray loss(PairBatch batch, Map<String, Double> metrics) {
        return perPair(batch.delta(), beta).mean();
    }

    /** (Δ − 1/(2β))². */
    static NDArray perPair(NDArray delta, double beta) {
        return delta.sub(1 / (2 * beta)).square(); // (B)
    }
}
