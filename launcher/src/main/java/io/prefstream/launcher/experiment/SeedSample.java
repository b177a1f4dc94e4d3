package io.prefstream.launcher.experiment;

import java.util.Arrays;

/**
 * A metric's values over one arm's seeds, with mean {@code x̄ = Σxᵢ / n} and sample standard
 * deviation {@code s = √(Σ(xᵢ − x̄)² / (n − 1))} (0 when n = 1; both NaN when n = 0).
 *
 * @param values one value per run, in seed order
 */
record SeedSample(double[] values) {

    SeedSample {
        values = values.clone();
    }

    int n() {
        return values.length;
    }

    double mean() {
        return values.length == 0 ? Double.NaN : Arrays.stream(values).sum() / values.length;
    }

    double std() {
        if (values.length == 0) {
            return Double.NaN;
        }
        if (values.length == 1) {
            return 0;
        }
        return Math.sqrt(variance());
    }

    /** Sample variance {@code s²}, NaN for n < 2; exactly 0 when all values are equal (no rounding residue). */
    double variance() {
        if (values.length < 2) {
            return Double.NaN;
        }
        if (min() == max()) {
            return 0;
        }
        double m = mean();
        return Arrays.stream(values).map(v -> (v - m) * (v - m)).sum() / (values.length - 1);
    }

    double min() {
        return Arrays.stream(values).min().orElse(Double.NaN);
    }

    double max() {
        return Arrays.stream(values).max().orElse(Double.NaN);
    }
}
