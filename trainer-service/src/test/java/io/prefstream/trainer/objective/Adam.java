package io.prefstream.trainer.objective;

/** Plain Adam (β1 = 0.9, β2 = 0.999, ε = 1e-8) on a double[] of parameters, for the toy runs. */
final class Adam {

    private final double lr;
    private final double[] m;
    private final double[] v;
    private int t;

    Adam(int size, double lr) {
        this.lr = lr;
        this.m = new double[size];
        this.v = new double[size];
    }

    void step(double[] params, double[] grad) {
        t++;
        for (int i = 0; i < params.length; i++) {
            m[i] = 0.9 * m[i] + 0.1 * grad[i];
            v[i] = 0.999 * v[i] + 0.001 * grad[i] * grad[i];
            double mHat = m[i] / (1 - Math.pow(0.9, t));
            double vHat = v[i] / (1 - Math.pow(0.999, t));
            params[i] -= lr * mHat / (Math.sqrt(vHat) + 1e-8);
        }
    }
}
