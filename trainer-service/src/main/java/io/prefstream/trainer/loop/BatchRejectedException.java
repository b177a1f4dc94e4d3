package io.prefstream.trainer.loop;

/**
 * A training batch that cannot be trained on; the loop dead-letters it with {@link #reason()} and
 * goes on. Reasons: {@code undecodable}, {@code invalid-batch} (bad tokens, shapes, labels, or an
 * objective input that is missing or malformed), {@code non-finite-loss}, {@code non-finite-gradient}.
 */
public final class BatchRejectedException extends RuntimeException {

    public static final String INVALID = "invalid-batch";
    public static final String NON_FINITE_LOSS = "non-finite-loss";
    public static final String NON_FINITE_GRADIENT = "non-finite-gradient";

    private final String reason;

    public BatchRejectedException(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    public BatchRejectedException(String reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** Short machine-readable reason, the {@code dlq.reason} header. */
    public String reason() {
        return reason;
    }
}
