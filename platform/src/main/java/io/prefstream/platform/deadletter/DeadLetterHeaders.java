package io.prefstream.platform.deadletter;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Objects;
import org.apache.kafka.common.header.Headers;

/**
 * Header names a dead-lettered record carries next to its original headers, and {@link #of} that
 * builds them, for {@link DeadLetterPublisher} and {@link StreamsDeadLetters} alike. Values are
 * UTF-8 text; numbers are decimal.
 */
public final class DeadLetterHeaders {

    private DeadLetterHeaders() {}

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
    /** {@code true} when the value was cut to fit the dead-letter topic (see {@link Letter}). */
    public static final String VALUE_TRUNCATED = "dlq.value.truncated";
    /** Size in bytes of the original value, present when it was truncated. */
    public static final String VALUE_ORIGINAL_BYTES = "dlq.value.original.bytes";
    /** Lower-case hex SHA-256 of the whole original value, present when it was truncated. */
    public static final String VALUE_SHA256 = "dlq.value.sha256";
    /** Size in bytes of the original key, present when it was truncated. */
    public static final String KEY_ORIGINAL_BYTES = "dlq.key.original.bytes";
    /** How many original headers were left out because together they were too large. */
    public static final String HEADERS_DROPPED = "dlq.headers.dropped";

    /** Bound on the stack-trace header, so a deep trace cannot make the record too large. */
    public static final int MAX_STACKTRACE_CHARS = 4_000;
    /** Bound on the exception-message header (the message and its causes'). */
    public static final int MAX_MESSAGE_CHARS = 2_000;

    /**
     * The headers of {@code source}'s dead letter: its original headers, then the {@code dlq.*} ones.
     *
     * @param service service that gives up on the record ({@code service.id})
     * @param reason  short machine-readable reason
     * @param detail  what went wrong when there is no {@code error}; the exception-message header then
     * @param error   the exception, or null when dead-lettered for a reason only
     * @param nowMs   when it is dead-lettered (epoch ms)
     */
    public static Headers of(
            SourcedRecord source, String service, String reason, String detail, Throwable error, long nowMs) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(reason, "reason");
        var headers = source.kafkaHeaders();
        headers.add(SOURCE_TOPIC, bytes(source.topic()));
        headers.add(SOURCE_PARTITION, bytes(Integer.toString(source.partition())));
        headers.add(SOURCE_OFFSET, bytes(Long.toString(source.offset())));
        headers.add(SOURCE_TIMESTAMP, bytes(Long.toString(source.timestamp())));
        headers.add(SERVICE, bytes(service));
        headers.add(EXCEPTION_CLASS, bytes(error == null ? "" : error.getClass().getName()));
        String message = error == null ? Objects.requireNonNullElse(detail, "") : messages(error);
        headers.add(
                EXCEPTION_MESSAGE,
                bytes(message.length() <= MAX_MESSAGE_CHARS ? message : message.substring(0, MAX_MESSAGE_CHARS)));
        if (error != null) {
            headers.add(EXCEPTION_STACKTRACE, bytes(stackTrace(error)));
        }
        headers.add(REASON, bytes(reason));
        headers.add(TIMESTAMP, bytes(Long.toString(nowMs)));
        return headers;
    }

    /** The exception's message followed by its causes' ({@code msg <- cause msg}). */
    private static String messages(Throwable error) {
        var out = new StringBuilder(String.valueOf(error.getMessage()));
        Throwable c = error.getCause();
        for (int depth = 0; c != null && depth < 10; depth++, c = c.getCause()) {
            out.append(" <- ").append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
        }
        return out.length() <= MAX_MESSAGE_CHARS ? out.toString() : out.substring(0, MAX_MESSAGE_CHARS);
    }

    private static String stackTrace(Throwable error) {
        var out = new StringWriter();
        error.printStackTrace(new PrintWriter(out));
        String s = out.toString();
        return s.length() <= MAX_STACKTRACE_CHARS ? s : s.substring(0, MAX_STACKTRACE_CHARS);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }
}
