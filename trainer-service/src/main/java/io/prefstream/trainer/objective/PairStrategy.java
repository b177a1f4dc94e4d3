package io.prefstream.trainer.objective;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How {@link PairSelector} turns a labeled group into one preference pair. */
public enum PairStrategy {
    /** Highest vs lowest reward of the K samples (RLHFlow max_min recipe); tied extremes: no pair. */
    BEST_VS_WORST("best-vs-worst"),
    /** Two distinct samples drawn uniformly (seeded per group), ordered by reward; ties: no pair. */
    RANDOM("random"),
    /** The human judgement's chosen/rejected indices; TIE and BOTH_BAD: no pair. */
    HUMAN("human");

    private final String id;

    PairStrategy(String id) {
        this.id = id;
    }

    /** Config spelling, e.g. "best-vs-worst". */
    public String id() {
        return id;
    }

    /** Parses the config spelling. @throws IllegalArgumentException listing the allowed values */
    public static PairStrategy parse(String text) {
        String wanted = text.trim().toLowerCase(Locale.ROOT);
        for (PairStrategy s : values()) {
            if (s.id.equals(wanted)) {
                return s;
            }
        }
        throw new IllegalArgumentException("pair-strategy: expected one of "
                + Arrays.stream(values()).map(PairStrategy::id).collect(Collectors.joining(", "))
                + " but found '" + text + "'");
    }

    /** The config spelling, as {@link #id()}. */
    @Override
    public String toString() {
        return id;
    }
}
