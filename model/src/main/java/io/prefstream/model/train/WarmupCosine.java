package io.prefstream.model.train;

/**
 * Learning-rate schedule: linear warm-up to {@code peak} over {@code warmupSteps}, then cosine
 * decay to {@code peak · minRatio} at {@code totalSteps}, constant after.
 *
 * <p>{@code lr(s) = peak · (s+1)/W} for {@code s < W}; otherwise with
 * {@code u = min(1, (s − W)/max(1, N − W))}:
 * {@code lr(s) = peak · (r + (1 − r) · (1 + cos πu)/2)}.
 */
public record WarmupCosine(double peak, int warmupSteps, int totalSteps, double minRatio) {

    public WarmupCosine {
        if (!(peak > 0)) {
            throw new IllegalArgumentException("peak learning rate must be > 0, found " + peak);
        }
        if (warmupSteps < 0 || totalSteps <= 0) {
            throw new IllegalArgumentException(
                    "need warmupSteps >= 0 and totalSteps > 0, found " + warmupSteps + " and " + totalSteps);
        }
        if (!(minRatio >= 0 && minRatio <= 1)) {
            throw new IllegalArgumentException("minRatio must be in [0, 1], found " + minRatio);
        }
    }

    /** A constant rate (no warm-up, no decay). */
    public static WarmupCosine constant(double lr) {
        return new WarmupCosine(lr, 0, 1, 1.0);
    }

    /** The rate for 0-based step {@code s}. */
    public double lr(long s) {
        if (s < warmupSteps) {
            return peak * (s + 1) / warmupSteps;
        }
        double u = Math.min(1.0, (double) (s - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
        return peak * (minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * u)));
    }
}
