package io.prefstream.labeler.machine;

import io.prefstream.platform.consumer.Rejection;

/**
 * A rollout could not be labeled. {@link #reason()} is the short dead-letter reason
 * ({@code dlq.reason}); the message says what was expected and what was found.
 */
public final class LabelingException extends RuntimeException implements Rejection {

    /** The rollout's task is not a built-in one, so the rule labeler has no gold reward. */
    public static final String UNKNOWN_TASK = "unknown-task";
    /** The labeler threw while scoring (e.g. a text the tokenizer cannot encode). */
    public static final String SCORING_FAILED = "scoring-failed";
    /** The labeler returned a score that is NaN or infinite, or the wrong number of scores. */
    public static final String INVALID_SCORES = "invalid-scores";
    /** The remote reward model failed every attempt (timeouts, connection errors, 5xx). */
    public static final String REMOTE_UNAVAILABLE = "remote-rm-unavailable";
    /** The remote reward model answered with something that is not one finite reward per query. */
    public static final String REMOTE_BAD_RESPONSE = "remote-rm-bad-response";
    /** The remote reward model refused the request (4xx other than 429). */
    public static final String REMOTE_REJECTED = "remote-rm-rejected";
    /** The circuit breaker is open: the remote reward model was not called. */
    public static final String CIRCUIT_OPEN = "remote-rm-circuit-open";

    private final String reason;

    public LabelingException(String reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public LabelingException(String reason, String message) {
        this(reason, message, null);
    }

    public String reason() {
        return reason;
    }
}
