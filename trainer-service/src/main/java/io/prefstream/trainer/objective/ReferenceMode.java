package io.prefstream.trainer.objective;

import java.util.Locale;

/**
 * Which policy serves as π_ref. The objectives only read reference log-probs; the trainer decides
 * where they come from.
 */
public enum ReferenceMode {
    /** π_ref = π_0, the frozen initial (SFT) policy, for the whole run (GSHF theory and default). */
    FIXED("fixed"),
    /** π_ref := current policy at each iteration boundary (policy-version budget reached). */
    REFRESH("refresh");

    private final String id;

    ReferenceMode(String id) {
        this.id = id;
    }

    /** Config spelling. */
    public String id() {
        return id;
    }

    /** Parses "fixed" or "refresh". @throws IllegalArgumentException naming the allowed values */
    public static ReferenceMode parse(String text) {
        String wanted = text.trim().toLowerCase(Locale.ROOT);
        for (ReferenceMode m : values()) {
            if (m.id.equals(wanted)) {
                return m;
            }
        }
        throw new IllegalArgumentException("reference: expected 'fixed' or 'refresh' but found '" + text + "'");
    }

    /** The config spelling, as {@link #id()}. */
    @Override
    public String toString() {
        return id;
    }
}
