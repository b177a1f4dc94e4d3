package io.prefstream.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.prefstream.schemas.Prompt;
import io.prefstream.schemas.SampleRecords;
import io.prefstream.schemas.registry.InMemorySchemaRegistry;
import io.prefstream.schemas.registry.SchemaRegistries;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class AvroSerdeRoundTripTest {
    private static final String SCOPE = "round-trip-test";

    @AfterEach
    void dropScope() {
        SchemaRegistries.dropScope(SCOPE);
    }

    static Stream<SpecificRecord> everyRecordType() {
        return Stream.of(
                SampleRecords.prompt(),
                SampleRecords.rollout(),
                SampleRecords.labelRequest(),
                SampleRecords.label(),
                SampleRecords.labeledRollout(),
                SampleRecords.preferencePair(),
                SampleRecords.trainingBatch(),
                SampleRecords.policyUpdate(),
                SampleRecords.trainerMetrics());
    }

    @ParameterizedTest
    @MethodSource("everyRecordType")
    <T extends SpecificRecord> void everyRecordTypeRoundTripsThroughAMockRegistry(T record) {
        @SuppressWarnings("unchecked")
        var type = (Class<T>) record.getClass();
        try (var serde = new AvroSerde<>(type)) {
            serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, "mock://" + SCOPE), false);
            var topic = type.getSimpleName().toLowerCase();
            byte[] bytes = serde.serializer().serialize(topic, record);
            assertEquals(0, bytes[0]);
            assertEquals(record, serde.deserializer().deserialize(topic, bytes));
            var registry = SchemaRegistries.mockScope(SCOPE);
            assertEquals(List.of(1), registry.versions(topic + "-value"));
            assertEquals(record.getSchema(), registry.latest(topic + "-value").schema());
        }
    }

    @Test
    void promptIsFramedAsMagicByteThenBigEndianIdThenExactlyTheAvroBinary() {
        var registry = new InMemorySchemaRegistry();
        // Take ids 1..257 with unrelated schemas so the id needs two non-zero bytes: 258 = 0x00000102.
        for (int i = 0; i < 257; i++) {
            registry.register("filler-" + i, org.apache.avro.Schema.createFixed("F" + i, null, "x", 1));
        }
        var prompt = Prompt.newBuilder()
                .setId("p1")
                .setTask("a")
                .setText("hi")
                .setTokenIds(List.of(1, -1))
                .setMetadata(Map.of("k", "v"))
                .setCreatedAtMs(1000)
                .build();
        var bytes = new AvroSerde<>(Prompt.class, registry).serializer().serialize("prompts", prompt);
        byte[] expected = {
            0x00, // magic byte
            0x00,
            0x00,
            0x01,
            0x02, // schema id 258, big-endian
            0x04,
            'p',
            '1', // id: zigzag length 2, "p1"
            0x02,
            'a', // task: length 1, "a"
            0x04,
            'h',
            'i', // text: length 2, "hi"
            0x02, // token_ids: union branch 1 (array)
            0x04,
            0x02,
            0x01,
            0x00, // block of 2 items: zigzag(1)=2, zigzag(-1)=1; end of array
            0x02,
            0x02,
            'k',
            0x02,
            'v',
            0x00, // metadata: block of 1 entry "k"->"v"; end of map
            (byte) 0xD0,
            0x0F // created_at_ms: zigzag(1000)=2000 as varint 0xD0 0x0F
        };
        assertArrayEquals(expected, bytes);
        assertEquals(258, registry.latest("prompts-value").id());
    }

    @Test
    void keySerdesUseTheKeySubjectAndNullStaysATombstone() {
        var registry = SchemaRegistries.mockScope(SCOPE);
        try (var serde = new AvroSerde<>(Prompt.class)) {
            serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, "mock://" + SCOPE), true);
            serde.serializer().serialize("prompts", SampleRecords.prompt());
            assertEquals(List.of("prompts-key"), registry.subjects());
            assertNull(serde.serializer().serialize("prompts", null));
            assertNull(serde.deserializer().deserialize("prompts", null));
        }
    }

    @Test
    void withoutAutoRegistrationTheSchemaMustAlreadyBeRegistered() {
        var registry = SchemaRegistries.mockScope(SCOPE);
        var config = Map.of(
                AvroSerdeConfig.SCHEMA_REGISTRY_URL, "mock://" + SCOPE, AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, "false");
        try (var serde = new AvroSerde<>(Prompt.class)) {
            serde.configure(config, false);
            var error = assertThrows(
                    SerializationException.class,
                    () -> serde.serializer().serialize("prompts", SampleRecords.prompt()));
            assertEquals(true, error.getMessage().contains("auto.register.schemas=false"), error.getMessage());
            int id = registry.register("prompts-value", Prompt.getClassSchema());
            byte[] bytes = serde.serializer().serialize("prompts", SampleRecords.prompt());
            assertEquals(id, java.nio.ByteBuffer.wrap(bytes, 1, 4).getInt());
        }
    }

    @Test
    void deserializerCreatedByClassNameReadsTheTypeFromConfig() {
        var bytes = new AvroSerializer<Prompt>(SchemaRegistries.mockScope(SCOPE))
                .serialize("prompts", SampleRecords.prompt());
        try (var deserializer = new AvroDeserializer<Prompt>()) {
            deserializer.configure(
                    Map.of(
                            AvroSerdeConfig.SCHEMA_REGISTRY_URL,
                            "mock://" + SCOPE,
                            AvroSerdeConfig.VALUE_TYPE,
                            Prompt.class.getName()),
                    false);
            assertEquals(SampleRecords.prompt(), deserializer.deserialize("prompts", bytes));
        }
        var error = assertThrows(
                IllegalArgumentException.class,
                () -> new AvroDeserializer<Prompt>()
                        .configure(
                                Map.of(
                                        AvroSerdeConfig.SCHEMA_REGISTRY_URL,
                                        "mock://" + SCOPE,
                                        AvroSerdeConfig.VALUE_TYPE,
                                        "java.lang.String"),
                                false));
        assertEquals(
                "specific.avro.value.type: expected a class implementing SpecificRecord, found java.lang.String",
                error.getMessage());
    }
}
