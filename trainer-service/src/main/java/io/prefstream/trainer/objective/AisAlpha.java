package io.prefstream.trainer.objective;

import java.util.Locale;

/**
 * The exponent α of the AIS importance weight w = (π_θ/μ)^α per response: either 1/|y| (the
 * paper's adaptive choice, {@link #LENGTH}) or a fixed number in [0, 1] for ablations (0 = DPO,
 * 1 = full importance sampling).
 *
 * @param adaptive true for α = 1/|y|
 * @param fixed the fixed α when not adaptive (NaN when adaptive)
 */
public record AisAlpha(boolean adaptive, double fixed) {

    /** α = 1/|y| per response. */
    public static final AisAlpha LENGTH = new AisAlpha(true, Double.NaN);

    public AisAlpha {
        if (!adaptive && !(fixed >= 0 && fixed <= 1)) {
            throw new IllegalArgumentException("alpha: expected 'length' or a number in [0, 1] but found " + fixed);
        }
    }

    /** A fixed α in [0, 1]. */
    public static AisAlpha fixed(double alpha) {
        return new AisAlpha(false, alpha);
    }

    /** Parses "length" or a number in [0, 1]. */
    public static AisAlpha parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("length")) {
            return LENGTH;
        }
        try {
            return fixed(Double.parseDouble(t));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "alpha: expected 'length' or a number in [0, 1] but found '" + text + "'", e);
        }
    }

    @Override
    public String toString() {
        return adaptive ? "length" : Double.toString(fixed);
    }
}
