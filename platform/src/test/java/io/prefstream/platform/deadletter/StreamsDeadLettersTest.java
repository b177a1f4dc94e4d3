package io.prefstream.platform.deadletter;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.prefstream.schemas.serde.RecordDecodingException;
import java.io.EOFException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Dead letters written through a Streams sink carry, header for header and byte for byte, what
 * {@link DeadLetterPublisher} writes for the same record, and count in the same counter.
 */
class StreamsDeadLettersTest {

    private static final String TOPIC = "prefstream.rollouts";
    private static final String SERVICE = "prefstream-label-join";
    private static final byte[] KEY = "prompt-7".getBytes(UTF_8);
    private static final byte[] VALUE = {0, 0, 0, 0, 42, 1, 2}; // schema id 42, truncated payload
    private static final long SOURCE_TS = 1_700_000_000_123L;
    private static final long NOW = 1_700_000_000_500L;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final StreamsDeadLetters deadLetters = new StreamsDeadLetters(SERVICE, registry);

    /** A failed decode as {@code AvroDecoder} reports it: where, what, and the Avro cause. */
    private static final RecordDecodingException DECODE_FAILURE = new RecordDecodingException(
            TOPIC, 3, 41L, "truncated payload: 2 bytes after the schema id", new EOFException("end of stream"));

    private static SourcedRecord source() {
        return new SourcedRecord(
                TOPIC, 3, 41L, SOURCE_TS, KEY, VALUE, List.of(new RecordHeader("trace-id", "abc".getBytes(UTF_8))));
    }

    private static ConsumerRecord<byte[], byte[]> consumed() {
        var headers = new RecordHeaders(List.<Header>of(new RecordHeader("trace-id", "abc".getBytes(UTF_8))));
        return new ConsumerRecord<>(
                TOPIC, 3, 41L, SOURCE_TS, TimestampType.CREATE_TIME, -1, -1, KEY, VALUE, headers, Optional.empty());
    }

    @Test
    void failedDecodeCarriesTheOriginalHeadersThenTheDlqHeaders() {
        Headers headers = deadLetters
                .letter(source(), "undecodable", null, DECODE_FAILURE, NOW)
                .headers();

        assertEquals(
                List.of(
                        "trace-id",
                        "dlq.source.topic",
                        "dlq.source.partition",
                        "dlq.source.offset",
                        "dlq.source.timestamp",
                        "dlq.service",
                        "dlq.exception.class",
                        "dlq.exception.message",
                        "dlq.exception.stacktrace",
                        "dlq.reason",
                        "dlq.timestamp"),
                names(headers));
        assertBytes("abc", headers, "trace-id");
        assertBytes("prefstream.rollouts", headers, "dlq.source.topic");
        assertBytes("3", headers, "dlq.source.partition");
        assertBytes("41", headers, "dlq.source.offset");
        assertBytes("1700000000123", headers, "dlq.source.timestamp");
        assertBytes("prefstream-label-join", headers, "dlq.service");
        assertBytes("io.prefstream.schemas.serde.RecordDecodingException", headers, "dlq.exception.class");
        assertBytes(
                "Cannot decode record at prefstream.rollouts-3@41: truncated payload: 2 bytes after the schema id"
                        + " <- EOFException: end of stream",
                headers,
                "dlq.exception.message");
        assertTrue(
                text(headers, "dlq.exception.stacktrace").startsWith(DECODE_FAILURE.toString()),
                text(headers, "dlq.exception.stacktrace"));
        assertBytes("undecodable", headers, "dlq.reason");
        assertBytes("1700000000500", headers, "dlq.timestamp");
        assertEquals(1.0, count("undecodable"));
    }

    @Test
    void failedDecodeHeadersEqualThePublishersForTheSameRecord() {
        var producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        long before = System.currentTimeMillis();
        new DeadLetterPublisher(producer, registry).send(consumed(), SERVICE, "undecodable", DECODE_FAILURE);
        long after = System.currentTimeMillis();
        Headers published = producer.history().get(0).headers();
        long publishedAt = Long.parseLong(text(published, DeadLetterHeaders.TIMESTAMP));
        assertTrue(
                before <= publishedAt && publishedAt <= after, publishedAt + " not in [" + before + ", " + after + "]");

        Headers streamed = deadLetters
                .letter(source(), "undecodable", null, DECODE_FAILURE, publishedAt)
                .headers();

        assertEquals(entries(published), entries(streamed));
        assertEquals(2.0, count("undecodable"), "one counter for both paths");
    }

    @Test
    void reasonOnlyPutsTheDetailInTheMessageAndHasNoStackTrace() {
        Headers headers = deadLetters
                .letter(source(), "invalid-label", "label has 2 scores, expected 3", null, NOW)
                .headers();

        assertBytes("", headers, "dlq.exception.class");
        assertBytes("label has 2 scores, expected 3", headers, "dlq.exception.message");
        assertNull(headers.lastHeader(DeadLetterHeaders.EXCEPTION_STACKTRACE));
        assertBytes("invalid-label", headers, "dlq.reason");

        var producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        new DeadLetterPublisher(producer, registry).send(consumed(), SERVICE, "invalid-label");
        Headers published = producer.history().get(0).headers();
        long publishedAt = Long.parseLong(text(published, DeadLetterHeaders.TIMESTAMP));
        assertEquals(
                entries(published),
                entries(deadLetters
                        .letter(source(), "invalid-label", "", null, publishedAt)
                        .headers()),
                "without a detail, as the publisher");
    }

    @Test
    void deadLetterReadsBackWithItsSourceCoordinates() {
        Headers headers = deadLetters
                .letter(source(), "undecodable", null, DECODE_FAILURE, NOW)
                .headers();

        var letter = DeadLetter.from(new ConsumerRecord<>(
                "prefstream.dead-letters",
                0,
                0L,
                NOW,
                TimestampType.CREATE_TIME,
                -1,
                -1,
                KEY,
                VALUE,
                headers,
                Optional.empty()));

        assertEquals(TOPIC, letter.sourceTopic());
        assertEquals(3, letter.sourcePartition());
        assertEquals(41L, letter.sourceOffset());
        assertEquals(SERVICE, letter.service());
        assertEquals("undecodable", letter.reason());
        assertEquals(NOW, letter.timestamp());
        assertArrayEquals(VALUE, letter.value());
    }

    @Test
    void stackTraceIsTruncatedToTheBound() {
        var deep = new IllegalStateException("deep");
        var frames = new StackTraceElement[1_000]; // about 30 characters each
        Arrays.fill(frames, new StackTraceElement("io.prefstream.Deep", "recurse", "Deep.java", 1));
        deep.setStackTrace(frames);

        Headers headers = deadLetters
                .letter(source(), "handler-exception", null, deep, NOW)
                .headers();

        assertEquals(
                DeadLetterHeaders.MAX_STACKTRACE_CHARS,
                text(headers, "dlq.exception.stacktrace").length());
    }

    private double count(String reason) {
        return registry.get(DeadLetterPublisher.COUNTER)
                .tag("service", SERVICE)
                .tag("source_topic", TOPIC)
                .tag("reason", reason)
                .counter()
                .count();
    }

    private static List<String> names(Headers headers) {
        var out = new ArrayList<String>();
        headers.forEach(h -> out.add(h.key()));
        return out;
    }

    /** Each header as {@code name=value}, in order. */
    private static List<String> entries(Headers headers) {
        var out = new ArrayList<String>();
        headers.forEach(h -> out.add(h.key() + "=" + new String(h.value(), UTF_8)));
        return out;
    }

    private static String text(Headers headers, String name) {
        return new String(headers.lastHeader(name).value(), UTF_8);
    }

    private static void assertBytes(String expected, Headers headers, String name) {
        assertArrayEquals(expected.getBytes(UTF_8), headers.lastHeader(name).value(), name);
    }
}
