package io.prefstream.trainer.objective;

import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which inputs an objective needs, so the batcher routes data and fails fast when something is
 * missing. Rule: every kind in {@code required} is present; when {@code anyOf} is non-empty at least
 * one of its kinds is present; nothing outside {@code required ∪ anyOf ∪ optional} is given (data
 * handed to an objective that ignores it would be silently lost).
 *
 * <p>{@link #check} holds for the kinds a batcher produces (what the stream carries) and, for
 * objectives with separate loss terms per kind, for every batch. Objectives that pool several kinds
 * into one loss term check a batch with {@link #checkBatch} instead: a kind the stream carries may
 * be empty in one batch for want of signal (online groups whose completions all tie yield no pair),
 * and the batch then trains on the pooled kinds that are there.
 *
 * @param required kinds that must all be present
 * @param anyOf kinds of which at least one must be present; empty for no such constraint
 * @param optional kinds that are used when present but may be absent
 */
public record Requirements(Set<DataKind> required, Set<DataKind> anyOf, Set<DataKind> optional) {

    public Requirements {
        required = Set.copyOf(required);
        anyOf = Set.copyOf(anyOf);
        optional = Set.copyOf(optional);
    }

    /** All of the given kinds must be present and nothing else is accepted. */
    public static Requirements allOf(DataKind first, DataKind... rest) {
        return new Requirements(EnumSet.of(first, rest), Set.of(), Set.of());
    }

    /** At least one of the given kinds must be present; nothing else is accepted. */
    public static Requirements anyOf(DataKind first, DataKind... rest) {
        return new Requirements(Set.of(), EnumSet.of(first, rest), Set.of());
    }

    /** The same requirements, also accepting {@code kind} when present. */
    public Requirements withOptional(DataKind kind) {
        var more = EnumSet.of(kind);
        more.addAll(optional);
        return new Requirements(required, anyOf, more);
    }

    /** Every kind this objective uses: {@code required ∪ anyOf ∪ optional}. */
    public Set<DataKind> accepted() {
        var all = EnumSet.noneOf(DataKind.class);
        all.addAll(required);
        all.addAll(anyOf);
        all.addAll(optional);
        return all;
    }

    /**
     * Checks that the kinds {@code present} in a batch satisfy these requirements.
     *
     * @throws IllegalArgumentException naming the objective, what it needs and what the batch has
     */
    public void check(String objective, Set<DataKind> present) {
        var missing = EnumSet.noneOf(DataKind.class);
        required.stream().filter(k -> !present.contains(k)).forEach(missing::add);
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("objective '" + objective + "' needs " + describe()
                    + " in every batch, but the batch has " + (present.isEmpty() ? "" : "only ")
                    + list(present, " and ")
                    + " (missing " + list(missing, " and ") + ")");
        }
        if (!anyOf.isEmpty() && anyOf.stream().noneMatch(present::contains)) {
            throw new IllegalArgumentException(
                    "objective '" + objective + "' needs " + describe() + " but the batch has " + list(present, ", "));
        }
        var accepted = accepted();
        for (DataKind kind : present) {
            if (!accepted.contains(kind)) {
                throw new IllegalArgumentException("objective '" + objective + "' does not use "
                        + kind.label() + " (it uses " + list(accepted, ", ")
                        + "); route them to an objective that does instead of dropping them");
            }
        }
    }

    /**
     * Checks one batch of an objective that pools the kinds {@code pooled} into one loss term (a mean
     * over all their items): every kind present is accepted and at least one pooled kind is present.
     * {@code required} is not enforced here; {@link #check} on the kinds a batcher produces enforces it
     * for the stream.
     *
     * @throws IllegalArgumentException naming the objective, what it uses and what the batch has
     */
    public void checkBatch(String objective, Set<DataKind> present, Set<DataKind> pooled) {
        var accepted = accepted();
        for (DataKind kind : present) {
            if (!accepted.contains(kind)) {
                throw new IllegalArgumentException("objective '" + objective + "' does not use "
                        + kind.label() + " (it uses " + list(accepted, ", ")
                        + "); route them to an objective that does instead of dropping them");
            }
        }
        if (pooled.stream().noneMatch(present::contains)) {
            throw new IllegalArgumentException("objective '" + objective + "' needs at least one of "
                    + list(pooled, " or ") + " in a batch, but the batch has " + list(present, " and "));
        }
    }

    /** E.g. "offline pairs and unlabeled groups" or "at least one of offline pairs or online pairs". */
    public String describe() {
        var text = new StringBuilder(required.isEmpty() ? "" : list(required, " and "));
        if (!anyOf.isEmpty()) {
            if (!required.isEmpty()) {
                text.append(" and ");
            }
            text.append(anyOf.size() == 1 ? list(anyOf, "") : "at least one of " + list(anyOf, " or "));
        }
        if (!optional.isEmpty()) {
            text.append(" (optionally ").append(list(optional, " and ")).append(')');
        }
        return text.toString();
    }

    private static String list(Set<DataKind> kinds, String separator) {
        if (kinds.isEmpty()) {
            return "no inputs";
        }
        return EnumSet.copyOf(kinds).stream().map(DataKind::label).collect(Collectors.joining(separator));
    }
}
