package io.prefstream.platform.deadletter;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;

/** A dead letter always fits the dead-letter topic, and says what was cut. */
class LetterTest {

    private static final RuntimeException ERROR = new IllegalStateException("bad");

    private static SourcedRecord source(byte[] key, byte[] value, List<Header> headers) {
        return new SourcedRecord("in", 2, 41, 1_000L, key, value, headers);
    }

    private static String text(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null ? null : new String(h.value(), UTF_8);
    }

    @Test
    void aSmallRecordIsCarriedWhole() {
        byte[] value = "payload".getBytes(UTF_8);
        var letter = Letter.of(source("k".getBytes(UTF_8), value, List.of()), "svc", "undecodable", null, ERROR, 5);
        assertArrayEquals(value, letter.value());
        assertArrayEquals("k".getBytes(UTF_8), letter.key());
        assertNull(text(letter.headers(), DeadLetterHeaders.VALUE_TRUNCATED));
        assertEquals("41", text(letter.headers(), DeadLetterHeaders.SOURCE_OFFSET));
    }

    @Test
    void aRecordOfAlmostOneMebibyteIsCutToFitWithItsSizeAndDigest() {
        byte[] value = new byte[1_048_400]; // what the broker accepted in the probe
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) (i * 31);
        }
        var deep = new IllegalStateException("x".repeat(50_000));
        var letter = Letter.of(source("key".getBytes(UTF_8), value, List.of()), "svc", "undecodable", null, deep, 5);

        assertTrue(letter.size() <= Letter.MAX_BYTES, "size " + letter.size());
        assertEquals("true", text(letter.headers(), DeadLetterHeaders.VALUE_TRUNCATED));
        assertEquals("1048400", text(letter.headers(), DeadLetterHeaders.VALUE_ORIGINAL_BYTES));
        assertEquals(Letter.sha256(value), text(letter.headers(), DeadLetterHeaders.VALUE_SHA256));
        assertArrayEquals(Arrays.copyOf(value, letter.value().length), letter.value(), "a prefix of the original");
        assertTrue(letter.value().length > 800_000, "as much as fits: " + letter.value().length);
        assertEquals(
                DeadLetterHeaders.MAX_MESSAGE_CHARS,
                text(letter.headers(), DeadLetterHeaders.EXCEPTION_MESSAGE).length());
    }

    @Test
    void hugeOriginalHeadersAndKeysAreLeftOutOrCut() {
        var headers = List.<Header>of(new RecordHeader("a", new byte[40_000]), new RecordHeader("b", new byte[40_000]));
        byte[] key = new byte[100_000];
        var letter = Letter.of(source(key, new byte[10], headers), "svc", "undecodable", "detail", null, 5);
        assertNull(letter.headers().lastHeader("a"));
        assertEquals("2", text(letter.headers(), DeadLetterHeaders.HEADERS_DROPPED));
        assertEquals(Letter.MAX_KEY_BYTES, letter.key().length);
        assertEquals("100000", text(letter.headers(), DeadLetterHeaders.KEY_ORIGINAL_BYTES));
        assertEquals(10, letter.value().length, "the value fits and is kept whole");
    }
}
