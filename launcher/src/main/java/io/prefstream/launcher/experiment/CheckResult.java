package io.prefstream.launcher.experiment;

import io.prefstream.launcher.experiment.ExperimentSpec.Check;
import io.prefstream.launcher.experiment.ExperimentSpec.Direction;
import java.util.Locale;
import org.apache.commons.math3.stat.inference.TTest;

/**
 * The outcome of one {@link Check}: the arm's and the baseline's values over seeds compared by
 * Welch's two-sample t-test, {@code t = (x̄_a − x̄_b) / √(s_a²/n_a + s_b²/n_b)} with
 * Welch–Satterthwaite degrees of freedom
 * {@code ν = (s_a²/n_a + s_b²/n_b)² / ((s_a²/n_a)²/(n_a − 1) + (s_b²/n_b)²/(n_b − 1))}.
 * The one-sided p-value in a direction is {@code p₂/2} when the mean difference lies in that direction,
 * else {@code 1 − p₂/2} (p₂ two-sided).
 * <ul>
 *   <li>HIGHER passes iff {@code x̄_a > x̄_b} and p(higher) < {@value #ALPHA}; LOWER symmetric;</li>
 *   <li>NOT_LOWER passes iff p(lower) ≥ {@value #ALPHA}; NOT_HIGHER symmetric.</li>
 * </ul>
 * With fewer than two seeds in an arm, or zero variance in both, there is no t-test: HIGHER (LOWER)
 * passes only if every arm value is above (below) every baseline value, NOT_LOWER (NOT_HIGHER) iff
 * {@code x̄_a ≥ x̄_b} ({@code x̄_a ≤ x̄_b}).
 *
 * @param check     the check
 * @param arm       the arm's values (empty when it has no runs or lacks the metric)
 * @param baseline  the baseline's values
 * @param t         Welch's t, NaN without a t-test
 * @param df        Welch–Satterthwaite degrees of freedom, NaN without a t-test
 * @param p         one-sided p-value in the direction tested, NaN without a t-test
 * @param passed    whether the check passes
 * @param reason    one line saying why
 */
record CheckResult(
        Check check,
        SeedSample arm,
        SeedSample baseline,
        double t,
        double df,
        double p,
        boolean passed,
        String reason) {

    /** Significance level of every check. */
    static final double ALPHA = 0.05;

    static final String NO_T_TEST = "no t-test: n<2 or zero variance, decided by direction of all values";

    /** A check that could not be evaluated (no runs, missing metric): it fails with {@code reason}. */
    static CheckResult failed(Check check, SeedSample arm, SeedSample baseline, String reason) {
        return new CheckResult(check, arm, baseline, Double.NaN, Double.NaN, Double.NaN, false, reason);
    }

    /** Evaluates {@code check} on the arm's and the baseline's values (one per seed, all finite). */
    static CheckResult evaluate(Check check, SeedSample arm, SeedSample baseline) {
        if (arm.n() == 0 || baseline.n() == 0) {
            return failed(check, arm, baseline, "no runs");
        }
        double diff = arm.mean() - baseline.mean();
        Direction d = check.direction();
        boolean tested = arm.n() >= 2 && baseline.n() >= 2 && (arm.variance() > 0 || baseline.variance() > 0);
        if (!tested) {
            boolean passed = switch (d) {
                case HIGHER -> arm.min() > baseline.max();
                case LOWER -> arm.max() < baseline.min();
                case NOT_LOWER -> diff >= 0;
                case NOT_HIGHER -> diff <= 0;
            };
            String why = switch (d) {
                case HIGHER ->
                    passed
                            ? "every arm value is above every baseline value"
                            : "not every arm value is above every baseline value";
                case LOWER ->
                    passed
                            ? "every arm value is below every baseline value"
                            : "not every arm value is below every baseline value";
                case NOT_LOWER ->
                    passed ? "the arm's mean is not below the baseline's" : "the arm's mean is below the baseline's";
                case NOT_HIGHER ->
                    passed ? "the arm's mean is not above the baseline's" : "the arm's mean is above the baseline's";
            };
            return new CheckResult(
                    check, arm, baseline, Double.NaN, Double.NaN, Double.NaN, passed, NO_T_TEST + ": " + why);
        }
        var test = new TTest();
        double t = test.t(arm.values(), baseline.values());
        double pTwo = test.tTest(arm.values(), baseline.values());
        double pHigher = diff > 0 ? pTwo / 2 : 1 - pTwo / 2;
        double pLower = diff < 0 ? pTwo / 2 : 1 - pTwo / 2;
        double p = switch (d) {
            case HIGHER, NOT_HIGHER -> pHigher;
            case LOWER, NOT_LOWER -> pLower;
        };
        boolean significant = p < ALPHA;
        boolean passed = switch (d) {
            case HIGHER -> diff > 0 && significant;
            case LOWER -> diff < 0 && significant;
            case NOT_LOWER, NOT_HIGHER -> !significant;
        };
        String side = switch (d) {
            case HIGHER, NOT_HIGHER -> "higher";
            case LOWER, NOT_LOWER -> "lower";
        };
        String pText = String.format(
                Locale.ROOT, "one-sided Welch p(%s) = %.4g %s %.2f", side, p, significant ? "<" : "≥", ALPHA);
        String reason = switch (d) {
            case HIGHER, LOWER ->
                significant ? "significantly " + side + ": " + pText : "not significantly " + side + ": " + pText;
            case NOT_LOWER, NOT_HIGHER ->
                significant
                        ? "significantly " + side + ", which the check forbids: " + pText
                        : "not significantly " + side + ": " + pText;
        };
        return new CheckResult(check, arm, baseline, t, welchDf(arm, baseline), p, passed, reason);
    }

    /** Welch–Satterthwaite degrees of freedom (see the class comment). */
    static double welchDf(SeedSample a, SeedSample b) {
        double va = a.variance() / a.n();
        double vb = b.variance() / b.n();
        return (va + vb) * (va + vb) / (va * va / (a.n() - 1) + vb * vb / (b.n() - 1));
    }

    /** {@code x̄_a / x̄_b} (e.g. a speed-up when the metric is a time), NaN when a side has no values or x̄_b = 0. */
    double ratio() {
        return baseline.mean() == 0 ? Double.NaN : arm.mean() / baseline.mean();
    }

    /** {@code x̄_a − x̄_b}, NaN when a side has no values. */
    double difference() {
        return arm.mean() - baseline.mean();
    }
}
