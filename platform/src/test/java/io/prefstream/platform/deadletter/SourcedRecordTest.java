package io.prefstream.platform.deadletter;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

/** The binary form that topologies keep in internal topics and state stores, byte for byte. */
class SourcedRecordTest {

    private static final SourcedRecord SMALL =
            new SourcedRecord("t", 1, 2L, 3L, new byte[] {9}, null, List.of(new RecordHeader("h", new byte[] {7})));

    @Test
    void binaryFormIsOriginThenContent() throws IOException {
        byte[] expected = {
            0, 1, 't', // topic (modified UTF-8: length, bytes)
            0, 0, 0, 1, // partition
            0, 0, 0, 0, 0, 0, 0, 2, // offset
            0, 0, 0, 0, 0, 0, 0, 3, // timestamp
            0, 0, 0, 1, 9, // key: length, bytes
            -1, -1, -1, -1, // value: null
            0, 0, 0, 1, // one header
            0, 1, 'h', 0, 0, 0, 1, 7, // its name and value
        };
        var bytes = new ByteArrayOutputStream();
        SMALL.write(new DataOutputStream(bytes));

        assertArrayEquals(expected, bytes.toByteArray());
        assertSame(SMALL, SourcedRecord.read(in(expected)));
    }

    @Test
    void aTopologyCanKeepItsOwnFieldBetweenOriginAndContent() throws IOException {
        var bytes = new ByteArrayOutputStream();
        var out = new DataOutputStream(bytes);
        SMALL.writeOrigin(out);
        out.writeLong(17L);
        SMALL.writeContent(out);

        var in = in(bytes.toByteArray());
        var origin = SourcedRecord.readOrigin(in);
        assertEquals(17L, in.readLong());
        assertSame(SMALL, origin.readContent(in));
        assertEquals(-1, in.read(), "nothing left");
    }

    @Test
    void nullBytesAndEmptyHeadersRoundTrip() throws IOException {
        var record = new SourcedRecord(
                "prefstream.offline-preferences",
                -1,
                -1L,
                0L,
                null,
                new byte[0],
                List.of(new RecordHeader("empty", null)));
        var bytes = new ByteArrayOutputStream();
        record.write(new DataOutputStream(bytes));

        var read = SourcedRecord.read(in(bytes.toByteArray()));

        assertSame(record, read);
        assertNull(read.key());
        assertNull(read.headers().get(0).value());
    }

    @Test
    void truncatedBytesAreRejected() throws IOException {
        var bytes = new ByteArrayOutputStream();
        SMALL.write(new DataOutputStream(bytes));
        byte[] truncated = Arrays.copyOf(bytes.toByteArray(), bytes.size() - 1);

        assertThrows(IOException.class, () -> SourcedRecord.read(in(truncated)));
    }

    @Test
    void streamsRecordKeepsItsCoordinatesBytesAndHeaders() {
        var headers = new RecordHeaders().add("h", new byte[] {7});
        var record = new Record<>(new byte[] {9}, (byte[]) null, 3L, headers);

        var sourced = SourcedRecord.of("t", 1, 2L, record);

        assertSame(SMALL, sourced);
        assertEquals("t-1@2", sourced.coordinates());
    }

    @Test
    void kafkaHeadersIsACopy() {
        var headers = SMALL.kafkaHeaders();
        headers.add("dlq.reason", "x".getBytes(UTF_8));

        assertEquals(2, headers.toArray().length);
        assertEquals(1, SMALL.headers().size());
        assertEquals(1, SMALL.kafkaHeaders().toArray().length);
    }

    /** Field-wise equality; a record's generated equals compares byte arrays by identity. */
    private static void assertSame(SourcedRecord expected, SourcedRecord actual) {
        assertEquals(expected.topic(), actual.topic());
        assertEquals(expected.partition(), actual.partition());
        assertEquals(expected.offset(), actual.offset());
        assertEquals(expected.timestamp(), actual.timestamp());
        assertArrayEquals(expected.key(), actual.key());
        assertArrayEquals(expected.value(), actual.value());
        assertEquals(expected.headers().size(), actual.headers().size());
        for (int i = 0; i < expected.headers().size(); i++) {
            assertEquals(
                    expected.headers().get(i).key(), actual.headers().get(i).key());
            assertArrayEquals(
                    expected.headers().get(i).value(), actual.headers().get(i).value());
        }
    }

    private static DataInputStream in(byte[] bytes) {
        return new DataInputStream(new ByteArrayInputStream(bytes));
    }
}
