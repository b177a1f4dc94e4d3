package io.prefstream.trainer.objective;

/**
 * A human's pairwise judgement between two completions of one group (mirrors the {@code Judgement}
 * schema: for TIE and BOTH_BAD the indices just name the two completions compared).
 *
 * @param outcome PREFERENCE, TIE or BOTH_BAD
 * @param chosenIndex index of the preferred completion (or the first one compared)
 * @param rejectedIndex index of the dispreferred completion (or the second one compared)
 */
public record HumanVerdict(Outcome outcome, int chosenIndex, int rejectedIndex) {

    /** Verdict kinds, spelled as the schema's {@code Verdict} enum. */
    public enum Outcome {
        PREFERENCE,
        TIE,
        BOTH_BAD
    }

    public HumanVerdict {
        if (outcome == null) {
            throw new IllegalArgumentException(
                    "HumanVerdict.outcome: expected PREFERENCE, TIE or BOTH_BAD " + "but found null");
        }
        if (chosenIndex < 0 || rejectedIndex < 0 || chosenIndex == rejectedIndex) {
            throw new IllegalArgumentException("HumanVerdict: expected two distinct completion indices >= 0 "
                    + "but found chosen " + chosenIndex + ", rejected " + rejectedIndex);
        }
    }

    /** y_chosen ≻ y_rejected. */
    public static HumanVerdict preference(int chosenIndex, int rejectedIndex) {
        return new HumanVerdict(Outcome.PREFERENCE, chosenIndex, rejectedIndex);
    }
}
