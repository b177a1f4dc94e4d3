package io.prefstream.model.train;

/**
 * AdamW hyper-parameters.
 *
 * @param beta1 first-moment decay β₁ in [0, 1)
 * @param beta2 second-moment decay β₂ in [0, 1)
 * @param eps denominator ε &gt; 0
 * @param weightDecay decoupled decay λ ≥ 0, applied to tensors of rank ≥ 2 (not biases, LayerNorm gains)
 * @param maxGradNorm global L2 gradient-norm clip; ≤ 0 disables clipping
 */
public record AdamWOptions(double beta1, double beta2, double eps, double weightDecay, double maxGradNorm) {

    public AdamWOptions {
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException("adamw beta1 must be in [0, 1), found " + beta1);
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("adamw beta2 must be in [0, 1), found " + beta2);
        }
        if (!(eps > 0)) {
            throw new IllegalArgumentException("adamw eps must be > 0, found " + eps);
        }
        if (!(weightDecay >= 0)) {
            throw new IllegalArgumentException("adamw weight decay must be >= 0, found " + weightDecay);
        }
    }

    /** β = (0.9, 0.95), ε = 1e-8, λ = 0.01, clip at 1.0. */
    public static AdamWOptions defaults() {
        return new AdamWOptions(0.9, 0.95, 1e-8, 0.01, 1.0);
    }

    public AdamWOptions withWeightDecay(double lambda) {
        return new AdamWOptions(beta1, beta2, eps, lambda, maxGradNorm);
    }

    public AdamWOptions withMaxGradNorm(double norm) {
        return new AdamWOptions(beta1, beta2, eps, weightDecay, norm);
    }
}
