package io.prefstream.labeler.human;

import io.prefstream.schemas.Judgement;
import io.prefstream.schemas.Verdict;
import java.util.List;
import java.util.Locale;

/**
 * A human's answer about the two completions shown as A (left, first) and B (right, second).
 * {@link #judgement} maps it back to completion indices through the display order, which the
 * judgement records for position-bias analysis.
 */
public enum Choice {
    A,
    B,
    TIE,
    BOTH_BAD;

    /** Parses {@code A|B|TIE|BOTH_BAD} (exact, upper case as in the API). */
    public static Choice parse(String text) {
        for (Choice c : values()) {
            if (c.name().equals(text)) {
                return c;
            }
        }
        throw new IllegalArgumentException("choice: expected one of A, B, TIE, BOTH_BAD, found '" + text + "'");
    }

    /**
     * The judgement for completions shown in {@code displayOrder} (completion indices, A first):
     * A → A over B, B → B over A; TIE and BOTH_BAD name A and B in display order.
     */
    public Judgement judgement(int[] displayOrder, Double strength) {
        int a = displayOrder[0];
        int b = displayOrder[1];
        var order = List.of(a, b);
        return switch (this) {
            case A -> new Judgement(a, b, Verdict.PREFERENCE, strength, order);
            case B -> new Judgement(b, a, Verdict.PREFERENCE, strength, order);
            case TIE -> new Judgement(a, b, Verdict.TIE, strength, order);
            case BOTH_BAD -> new Judgement(a, b, Verdict.BOTH_BAD, strength, order);
        };
    }

    /** The outcome in completion-index terms, comparable across labelers shown different orders. */
    public String outcome(int[] displayOrder) {
        return switch (this) {
            case A -> "prefer:" + displayOrder[0];
            case B -> "prefer:" + displayOrder[1];
            case TIE, BOTH_BAD -> name().toLowerCase(Locale.ROOT);
        };
    }
}
