package io.prefstream.trainer.objective;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The EXO digest's toy policy: a unimodal Gaussian discretised on Y = {0, …, n−1},
 * π_θ(y) ∝ exp(−(y − μ)² / (2σ²)), θ = (μ, log σ). Built with DJL ops so gradients flow to θ.
 */
final class DiscreteGaussianPolicy {

    private DiscreteGaussianPolicy() {}

    /** log π_θ over Y. theta = (μ, log σ) // (2) → (N) */
    static NDArray logProbs(NDArray theta, NDArray ys) {
        NDArray mu = theta.get(0);
        NDArray logSigma = theta.get(1);
        // only add/exp on the gradient path: x.mul(2.0) would save a Java-backed scalar (see NativeTensors)
        NDArray variance = logSigma.add(logSigma).exp(); // σ²
        NDArray twoVar = variance.add(variance); // 2σ²
        return ys.sub(mu).square().neg().div(twoVar).logSoftmax(0); // (N)
    }

    /** The same in double, for exact references. */
    static double[] logProbs(double mu, double logSigma, int n) {
        double var2 = 2 * Math.exp(2 * logSigma);
        double[] logits = new double[n];
        for (int y = 0; y < n; y++) {
            logits[y] = -(y - mu) * (y - mu) / var2;
        }
        return Fixtures.logSoftmax(logits);
    }

    static NDArray support(NDManager m, int n) {
        double[] ys = new double[n];
        for (int y = 0; y < n; y++) {
            ys[y] = y;
        }
        return m.create(ys);
    }

    /** Inverse-CDF sampler of a categorical with the given log-probs. */
    static int sample(double[] cdf, java.util.Random rng) {
        double u = rng.nextDouble();
        int lo = 0;
        int hi = cdf.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cdf[mid] < u) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    static double[] cdf(double[] logProbs) {
        double[] c = new double[logProbs.length];
        double acc = 0;
        for (int i = 0; i < c.length; i++) {
            acc += Math.exp(logProbs[i]);
            c[i] = acc;
        }
        c[c.length - 1] = Double.MAX_VALUE; // guard against rounding
        return c;
    }
}
