package io.prefstream.platform.deadletter;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * One dead letter as it is written: the original key and value with the original headers and the
 * {@code dlq.*} ones, bounded so that it always fits the dead-letter topic. A record the broker
 * accepted (up to {@code message.max.bytes}, 1 MiB by default) plus its headers would not, so:
 * original headers larger than {@value #MAX_ORIGINAL_HEADER_BYTES} bytes together are left out
 * ({@link DeadLetterHeaders#HEADERS_DROPPED} says how many); a key over {@value #MAX_KEY_BYTES} bytes
 * is cut ({@link DeadLetterHeaders#KEY_ORIGINAL_BYTES}); and when key, value and headers exceed
 * {@value #MAX_BYTES} bytes the value is cut to fit, with {@link DeadLetterHeaders#VALUE_TRUNCATED},
 * its original size and the SHA-256 of the whole original value, so the record can be recognised
 * (and re-read from its source offset while retention keeps it).
 *
 * @param key     key to write
 * @param value   value to write (the original, or its first bytes)
 * @param headers original and {@code dlq.*} headers
 */
public record Letter(byte[] key, byte[] value, Headers headers) {

    /** Budget of a dead letter: key, value and headers, well under the 1 MiB producer and broker defaults. */
    public static final int MAX_BYTES = 900 * 1024;
    /** Budget of the original headers carried over. */
    public static final int MAX_ORIGINAL_HEADER_BYTES = 64 * 1024;
    /** Budget of the key. */
    public static final int MAX_KEY_BYTES = 16 * 1024;
    /** Room kept for the headers this class adds after measuring. */
    private static final int TRUNCATION_HEADERS_BYTES = 256;

    /** The dead letter of {@code source}; see {@link DeadLetterHeaders#of} for the arguments. */
    public static Letter of(
            SourcedRecord source, String service, String reason, String detail, Throwable error, long nowMs) {
        int originalHeaderBytes = size(source.headers());
        SourcedRecord kept = source;
        if (originalHeaderBytes > MAX_ORIGINAL_HEADER_BYTES) {
            kept = new SourcedRecord(
                    source.topic(),
                    source.partition(),
                    source.offset(),
                    source.timestamp(),
                    source.key(),
                    source.value(),
                    java.util.List.of());
        }
        Headers headers = DeadLetterHeaders.of(kept, service, reason, detail, error, nowMs);
        if (kept != source) {
            headers.add(DeadLetterHeaders.HEADERS_DROPPED, text(source.headers().size()));
        }
        byte[] key = source.key();
        if (key != null && key.length > MAX_KEY_BYTES) {
            headers.add(DeadLetterHeaders.KEY_ORIGINAL_BYTES, text(key.length));
            key = Arrays.copyOf(key, MAX_KEY_BYTES);
        }
        byte[] value = source.value();
        int fixed = (key == null ? 0 : key.length) + size(Arrays.asList(headers.toArray()));
        if (value != null && fixed + value.length > MAX_BYTES) {
            int room = Math.max(0, MAX_BYTES - fixed - TRUNCATION_HEADERS_BYTES);
            headers.add(DeadLetterHeaders.VALUE_TRUNCATED, "true".getBytes(UTF_8));
            headers.add(DeadLetterHeaders.VALUE_ORIGINAL_BYTES, text(value.length));
            headers.add(DeadLetterHeaders.VALUE_SHA256, sha256(value).getBytes(UTF_8));
            value = Arrays.copyOf(value, room);
        }
        return new Letter(key, value, headers);
    }

    /** Bytes of key, value and headers (names and values): what counts against the record size limits. */
    public int size() {
        return (key == null ? 0 : key.length)
                + (value == null ? 0 : value.length)
                + size(Arrays.asList(headers.toArray()));
    }

    private static int size(Iterable<Header> headers) {
        int n = 0;
        for (Header h : headers) {
            n += h.key().getBytes(UTF_8).length + (h.value() == null ? 0 : h.value().length);
        }
        return n;
    }

    private static byte[] text(long n) {
        return Long.toString(n).getBytes(UTF_8);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    /** An empty header set, for tests. */
    static Headers none() {
        return new RecordHeaders();
    }
}
