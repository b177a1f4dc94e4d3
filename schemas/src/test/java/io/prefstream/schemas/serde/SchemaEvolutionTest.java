package io.prefstream.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prefstream.schemas.Rollout;
import io.prefstream.schemas.SampleRecords;
import io.prefstream.schemas.registry.CompatibilityLevel;
import io.prefstream.schemas.registry.InMemorySchemaRegistry;
import io.prefstream.schemas.registry.IncompatibleSchemaException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

/**
 * {@code Rollout} v1 (test resource {@code evolution/Rollout-v1.avsc}) had no {@code metadata}
 * field; v2 added it with default {}. v1 bytes must decode with the current class, and the
 * registry's BACKWARD check must accept v2 after v1 and reject a change that old data cannot meet.
 */
class SchemaEvolutionTest {
    private static final String SUBJECT = "rollouts-value";

    private static Schema v1() throws IOException {
        try (InputStream in = SchemaEvolutionTest.class.getResourceAsStream("/evolution/Rollout-v1.avsc")) {
            return new Schema.Parser().parse(in);
        }
    }

    /** The v1 rendering of the sample rollout: every current field except metadata. */
    private static byte[] v1Frame(Schema v1, int id) throws IOException {
        var current = SampleRecords.rollout();
        var out = new ByteArrayOutputStream();
        var encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<Rollout>(Rollout.getClassSchema()).write(current, encoder);
        encoder.flush();
        // Re-read the current record generically with the v1 schema as reader, then write it as v1.
        var reader = new org.apache.avro.generic.GenericDatumReader<GenericRecord>(Rollout.getClassSchema(), v1);
        GenericRecord asV1 =
                reader.read(null, org.apache.avro.io.DecoderFactory.get().binaryDecoder(out.toByteArray(), null));
        assertNull(asV1.getSchema().getField("metadata"), "v1 has no metadata field");
        var framed = new ByteArrayOutputStream();
        framed.write(0);
        framed.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
        var v1Encoder = EncoderFactory.get().binaryEncoder(framed, null);
        new GenericDatumWriter<GenericRecord>(v1).write(asV1, v1Encoder);
        v1Encoder.flush();
        return framed.toByteArray();
    }

    @Test
    void bytesWrittenWithTheOldSchemaDecodeWithTheCurrentClass() throws IOException {
        var registry = new InMemorySchemaRegistry();
        var v1 = v1();
        int v1Id = registry.register(SUBJECT, v1);
        var bytes = v1Frame(v1, v1Id);

        var decoded = new AvroDecoder<>(Rollout.class, registry).decode("rollouts", 0, 0L, bytes);

        var expected = Rollout.newBuilder(SampleRecords.rollout())
                .setMetadata(Map.of())
                .build();
        assertEquals(expected, decoded);
        assertEquals(Map.of(), decoded.getMetadata());
        assertEquals(3L, decoded.getPolicyVersion());
    }

    @Test
    void backwardCheckAcceptsTheAddedDefaultedFieldAndRejectsARequiredOne() throws IOException {
        var registry = new InMemorySchemaRegistry();
        assertEquals(CompatibilityLevel.BACKWARD, registry.compatibility(SUBJECT));
        int v1Id = registry.register(SUBJECT, v1());

        assertTrue(registry.isCompatible(SUBJECT, Rollout.getClassSchema()));
        int v2Id = registry.register(SUBJECT, Rollout.getClassSchema());
        assertEquals(v1Id + 1, v2Id);
        assertEquals(List.of(1, 2), registry.versions(SUBJECT));

        // A new field without a default: records written with v2 have no value for it.
        var fields = new java.util.ArrayList<Schema.Field>();
        for (var field : Rollout.getClassSchema().getFields()) {
            fields.add(new Schema.Field(field, field.schema()));
        }
        fields.add(new Schema.Field("shard", Schema.create(Schema.Type.INT), "required, no default"));
        var v3 = Schema.createRecord("Rollout", null, "io.prefstream.schemas", false, fields);

        assertFalse(registry.isCompatible(SUBJECT, v3));
        var error = assertThrows(IncompatibleSchemaException.class, () -> registry.register(SUBJECT, v3));
        assertTrue(error.getMessage().contains("READER_FIELD_MISSING_DEFAULT"), error.getMessage());
        assertTrue(error.getMessage().contains("shard"), error.getMessage());
        assertEquals(List.of(1, 2), registry.versions(SUBJECT), "a rejected schema adds no version");
    }

    @Test
    void decoderReadsCurrentAndOldWritersSideBySide() throws IOException {
        var registry = new InMemorySchemaRegistry();
        var v1 = v1();
        var oldBytes = v1Frame(v1, registry.register(SUBJECT, v1));
        var newBytes = new AvroEncoder<Rollout>(registry).encode("rollouts", SampleRecords.rollout());
        assertEquals(2, ByteBuffer.wrap(newBytes, 1, 4).getInt());
        var decoder = new AvroDecoder<>(Rollout.class, registry);
        assertEquals(
                Map.of("device", "cpu"), decoder.decode("rollouts", newBytes).getMetadata());
        assertEquals(Map.of(), decoder.decode("rollouts", oldBytes).getMetadata());
    }
}
