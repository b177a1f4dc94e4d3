package io.prefstream.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.prefstream.schemas.Label;
import io.prefstream.schemas.Rollout;
import io.prefstream.schemas.SampleRecords;
import io.prefstream.schemas.registry.InMemorySchemaRegistry;
import java.util.Arrays;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class RecordDecodingTest {
    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final AvroDecoder<Rollout> decoder = new AvroDecoder<>(Rollout.class, registry);
    private final byte[] valid = new AvroEncoder<Rollout>(registry).encode("rollouts", SampleRecords.rollout());

    private RecordDecodingException decodeAt(int partition, long offset, byte[] bytes) {
        var record = new ConsumerRecord<byte[], byte[]>("rollouts", partition, offset, null, bytes);
        return assertThrows(RecordDecodingException.class, () -> decoder.decode(record));
    }

    @Test
    void validBytesDecode() {
        var record = new ConsumerRecord<byte[], byte[]>("rollouts", 2, 17L, null, valid);
        assertEquals(SampleRecords.rollout(), decoder.decode(record));
    }

    @Test
    void wrongMagicByteNamesTheByteAndTheRecordPosition() {
        var bytes = valid.clone();
        bytes[0] = 0x7b; // e.g. a JSON '{' written by a non-Avro producer
        var error = decodeAt(3, 1234L, bytes);
        assertEquals("rollouts", error.topic());
        assertEquals(3, error.partition());
        assertEquals(1234L, error.offset());
        assertEquals("unknown magic byte: expected 0x00 (Confluent wire format), found 0x7b", error.reason());
        assertEquals("Cannot decode record at rollouts-3@1234: " + error.reason(), error.getMessage());
    }

    @Test
    void unknownSchemaIdIsADecodingError() {
        var bytes = valid.clone();
        bytes[4] = 99;
        var error = decodeAt(0, 5L, bytes);
        assertEquals(0, error.partition());
        assertEquals(5L, error.offset());
        assertEquals(true, error.reason().startsWith("unknown schema id 99:"), error.reason());
    }

    @Test
    void frameShorterThanTheHeaderIsTruncated() {
        var error = decodeAt(1, 7L, new byte[] {0, 0, 0});
        assertEquals(
                "truncated frame: expected at least 5 bytes (magic byte 0 + 4-byte schema id), found 3",
                error.reason());
    }

    @Test
    void payloadCutShortIsTruncated() {
        var error = decodeAt(1, 8L, Arrays.copyOf(valid, valid.length - 10));
        assertEquals(1, error.partition());
        assertEquals(8L, error.offset());
        assertEquals(
                "truncated payload: " + (valid.length - 10) + " bytes end inside the Rollout encoded with schema id 1",
                error.reason());
    }

    @Test
    void trailingBytesAreRejected() {
        var bytes = Arrays.copyOf(valid, valid.length + 2);
        var error = decodeAt(0, 9L, bytes);
        assertEquals(
                "trailing bytes: the Rollout payload of schema id 1 ended before the " + bytes.length
                        + "-byte record did",
                error.reason());
    }

    @Test
    void garbageAfterAValidHeaderIsADecodingError() {
        var bytes = new byte[40];
        Arrays.fill(bytes, (byte) 0xff);
        bytes[0] = 0;
        bytes[1] = 0;
        bytes[2] = 0;
        bytes[3] = 0;
        bytes[4] = 1;
        var error = decodeAt(4, 10L, bytes);
        assertEquals(4, error.partition());
        assertEquals(10L, error.offset());
    }

    @Test
    void recordOfAnotherTypeIsADecodingErrorNamingBothSchemas() {
        var labelBytes = new AvroEncoder<Label>(registry).encode("labels", SampleRecords.label()); // then misrouted
        var error = decodeAt(0, 11L, labelBytes);
        assertEquals(
                true,
                error.reason()
                        .startsWith(
                                "writer schema id 2 (io.prefstream.schemas.Label) cannot be read as io.prefstream.schemas.Rollout"),
                error.reason());
    }

    @Test
    void kafkaDeserializerReportsUnknownPositionAsMinusOne() {
        var deserializer = new AvroDeserializer<>(Rollout.class, registry);
        var error =
                assertThrows(RecordDecodingException.class, () -> deserializer.deserialize("rollouts", new byte[] {1}));
        assertEquals("rollouts", error.topic());
        assertEquals(-1, error.partition());
        assertEquals(-1L, error.offset());
    }
}
