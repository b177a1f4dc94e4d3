package io.prefstream.labeler.human;

/**
 * A label cannot be accepted for a request: it is unknown ({@link Kind#NOT_FOUND}, HTTP 404) or its
 * state forbids it ({@link Kind#CONFLICT}, HTTP 409: already labeled by this labeler, all votes
 * in, or never shown to this labeler). The message says which and what to do.
 */
public final class LabelingConflict extends RuntimeException {

    /** How the API reports it. */
    public enum Kind {
        NOT_FOUND,
        CONFLICT
    }

    private final Kind kind;

    public LabelingConflict(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
