package io.prefstream.trainer.objective;

/** The EXO digest's reward on Y = {0, …, n−1}: a major bump at 15 (height 1) and a minor one at 45 (0.8). */
final class ToyRewards {

    private ToyRewards() {}

    static double[] twoBumps(int n) {
        double[] r = new double[n];
        for (int y = 0; y < n; y++) {
            r[y] = Math.exp(-(y - 15.0) * (y - 15.0) / 72) + 0.8 * Math.exp(-(y - 45.0) * (y - 45.0) / 72);
        }
        return r;
    }
}
