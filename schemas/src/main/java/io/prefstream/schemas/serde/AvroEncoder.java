package io.prefstream.schemas.serde;

import io.prefstream.schemas.registry.SchemaRegistryClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Encodes a generated Avro record into the Confluent wire format under the subject of its topic
 * ({@code <topic>-value}, or {@code <topic>-key} for keys). With auto-registration the record's
 * schema is registered (idempotently) on first use per subject; without it the schema must already
 * be registered under the subject, else {@link SerializationException}. The id is cached per
 * subject and schema, so the registry is called once per (subject, schema).
 */
public final class AvroEncoder<T extends SpecificRecord> {
    private final SchemaRegistryClient registry;
    private final boolean autoRegister;
    private final boolean isKey;
    private final Map<SubjectSchema, Integer> ids = new ConcurrentHashMap<>();
    private final Map<Schema, SpecificDatumWriter<T>> writers = new ConcurrentHashMap<>();

    /** An encoder for values that auto-registers schemas. */
    public AvroEncoder(SchemaRegistryClient registry) {
        this(registry, true, false);
    }

    public AvroEncoder(SchemaRegistryClient registry, boolean autoRegister, boolean isKey) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.autoRegister = autoRegister;
        this.isKey = isKey;
    }

    /** The framed bytes of {@code value} for {@code topic}; {@code null} (a tombstone) stays {@code null}. */
    public byte[] encode(String topic, T value) {
        if (value == null) {
            return null;
        }
        var schema = value.getSchema();
        var subject = WireFormat.subject(topic, isKey);
        int id = ids.computeIfAbsent(new SubjectSchema(subject, schema), key -> schemaId(subject, schema));
        var out = new ByteArrayOutputStream(256);
        out.write(WireFormat.MAGIC_BYTE);
        out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
        try {
            var encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            writer(schema).write(value, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException(
                    "Cannot encode " + schema.getFullName() + " for topic " + topic + " (schema id " + id + "): "
                            + e.getMessage(),
                    e);
        }
        return out.toByteArray();
    }

    private int schemaId(String subject, Schema schema) {
        if (autoRegister) {
            return registry.register(subject, schema);
        }
        try {
            return registry.lookup(subject, schema).id();
        } catch (RuntimeException e) {
            throw new SerializationException(
                    "Schema " + schema.getFullName() + " is not registered under subject " + subject
                            + " and auto.register.schemas=false: register it first (" + e.getMessage() + ")",
                    e);
        }
    }

    private SpecificDatumWriter<T> writer(Schema schema) {
        return writers.computeIfAbsent(schema, s -> new SpecificDatumWriter<>(s, SpecificData.getForSchema(s)));
    }

    private record SubjectSchema(String subject, Schema schema) {}
}
