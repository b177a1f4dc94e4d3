package io.prefstream.model.train;

/**
 * Supervised fine-tuning settings.
 *
 * @param steps optimizer steps
 * @param batchSize examples per step (drawn with replacement)
 * @param lr peak learning rate of the warm-up + cosine schedule
 * @param warmupSteps linear warm-up steps
 * @param minLrRatio final learning rate as a fraction of {@code lr}
 * @param adamW optimizer settings (weight decay, clipping)
 * @param seed minibatch sampling seed; same seed and initial weights give the same run
 */
public record SftOptions(
        int steps, int batchSize, double lr, int warmupSteps, double minLrRatio, AdamWOptions adamW, long seed) {

    public SftOptions {
        if (steps <= 0) {
            throw new IllegalArgumentException("sft steps must be > 0, found " + steps);
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("sft batch size must be > 0, found " + batchSize);
        }
        if (!(lr > 0)) {
            throw new IllegalArgumentException("sft learning rate must be > 0, found " + lr);
        }
    }

    /** Defaults for the arithmetic reference policy. */
    public static SftOptions defaults() {
        return new SftOptions(1500, 64, 3e-3, 100, 0.1, AdamWOptions.defaults(), 0);
    }

    public SftOptions withSteps(int n) {
        return new SftOptions(n, batchSize, lr, Math.min(warmupSteps, Math.max(1, n / 10)), minLrRatio, adamW, seed);
    }

    public SftOptions withSeed(long s) {
        return new SftOptions(steps, batchSize, lr, warmupSteps, minLrRatio, adamW, s);
    }
}
