package io.prefstream.platform.deadletter;

/**
 * Header names a dead-lettered record carries next to its original headers. Values are UTF-8
 * text; numbers are decimal.
 */
public final class DeadLetterHeaders {

    private DeadLetterHeaders() {
    }

    /** Topic the record was read from. */
    public static final String SOURCE_TOPIC = "dlq.source.topic";
    /** Partition the record was read from. */
    public static final String SOURCE_PARTITION = "dlq.source.partition";
    /** Offset of the record in its source partition. */
    public static final String SOURCE_OFFSET = "dlq.source.offset";
    /** Timestamp (epoch ms) of the original record. */
    public static final String SOURCE_TIMESTAMP = "dlq.source.timestamp";
    /** Service that gave up on the record ({@code service.id}). */
    public static final String SERVICE = "dlq.service";
    /** Fully-qualified class of the exception, empty when dead-lettered for a reason only. */
    public static final String EXCEPTION_CLASS = "dlq.exception.class";
    /** Message of the exception (and its causes), empty when none. */
    public static final String EXCEPTION_MESSAGE = "dlq.exception.message";
    /** Stack trace of the exception, truncated to {@link #MAX_STACKTRACE_CHARS}. */
    public static final String EXCEPTION_STACKTRACE = "dlq.exception.stacktrace";
    /** Short machine-readable reason, e.g. {@code handler-exception}, {@code undecodable}. */
    public static final String REASON = "dlq.reason";
    /** When the record was dead-lettered (epoch ms). */
    public static final String TIMESTAMP = "dlq.timestamp";

    /** Bound on the stack-trace header, so a deep trace cannot make the record too large. */
    public static final int MAX_STACKTRACE_CHARS = 8_000;
}
