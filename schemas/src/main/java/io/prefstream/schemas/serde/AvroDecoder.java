package io.prefstream.schemas.serde;

import io.prefstream.schemas.registry.SchemaNotFoundException;
import io.prefstream.schemas.registry.SchemaRegistryClient;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes Confluent-framed Avro bytes into a generated record class. The writer schema is fetched
 * by the id in the frame (cached) and resolved against the class's own schema, so records written
 * with an older or newer compatible schema decode (Avro schema resolution: added fields take their
 * defaults, removed fields are skipped).
 *
 * <p>Rule: every byte must be accounted for; a frame that is short, has a magic byte other than 0,
 * names an id the registry does not know, is cut off inside the Avro payload or has bytes left
 * over raises {@link RecordDecodingException} with the record's topic, partition and offset. A
 * registry that cannot be reached is not the record's fault and surfaces as the registry's own
 * exception instead, so the caller retries rather than dead-lettering good data.
 */
public final class AvroDecoder<T extends SpecificRecord> {
    private final Class<T> type;
    private final Schema readerSchema;
    private final SchemaRegistryClient registry;
    private final Map<Integer, SpecificDatumReader<T>> readersById = new ConcurrentHashMap<>();

    public AvroDecoder(Class<T> type, SchemaRegistryClient registry) {
        this.type = Objects.requireNonNull(type, "type");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.readerSchema = SpecificData.get().getSchema(type);
    }

    public Class<T> type() {
        return type;
    }

    /** Decodes the value of {@code record}; failures carry its real topic, partition and offset. */
    public T decode(ConsumerRecord<byte[], byte[]> record) {
        return decode(record.topic(), record.partition(), record.offset(), record.value());
    }

    /** Decodes {@code data} read from {@code topic} at an unknown position (partition/offset -1). */
    public T decode(String topic, byte[] data) {
        return decode(topic, -1, -1L, data);
    }

    /** Decodes {@code data}; {@code null} (a tombstone) decodes to {@code null}. */
    public T decode(String topic, int partition, long offset, byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length < WireFormat.HEADER_SIZE) {
            throw new RecordDecodingException(
                    topic,
                    partition,
                    offset,
                    "truncated frame: expected at least " + WireFormat.HEADER_SIZE
                            + " bytes (magic byte 0 + 4-byte schema id), found " + data.length,
                    null);
        }
        if (data[0] != WireFormat.MAGIC_BYTE) {
            throw new RecordDecodingException(
                    topic,
                    partition,
                    offset,
                    String.format(
                            "unknown magic byte: expected 0x00 (Confluent wire format), found 0x%02x", data[0] & 0xff),
                    null);
        }
        int id = ByteBuffer.wrap(data, 1, 4).getInt();
        var reader = readersById.get(id);
        if (reader == null) {
            reader = readerFor(topic, partition, offset, id);
        }
        var decoder = DecoderFactory.get()
                .binaryDecoder(data, WireFormat.HEADER_SIZE, data.length - WireFormat.HEADER_SIZE, null);
        try {
            T value = reader.read(null, decoder);
            if (!decoder.isEnd()) {
                throw new RecordDecodingException(
                        topic,
                        partition,
                        offset,
                        "trailing bytes: the " + type.getSimpleName() + " payload of schema id " + id
                                + " ended before the " + data.length + "-byte record did",
                        null);
            }
            return value;
        } catch (EOFException e) {
            throw new RecordDecodingException(
                    topic,
                    partition,
                    offset,
                    "truncated payload: " + data.length + " bytes end inside the " + type.getSimpleName()
                            + " encoded with schema id " + id,
                    e);
        } catch (IOException
                | AvroRuntimeException
                | IndexOutOfBoundsException
                | NegativeArraySizeException
                | ClassCastException e) {
            throw new RecordDecodingException(
                    topic,
                    partition,
                    offset,
                    "payload is not a valid " + type.getSimpleName() + " encoded with schema id " + id + ": " + e,
                    e);
        } catch (OutOfMemoryError e) {
            // Garbage can decode to an array length near 2^31; the failed allocation is the whole
            // damage, so the record is reported as corrupt instead of taking the service down.
            throw new RecordDecodingException(
                    topic,
                    partition,
                    offset,
                    "payload is not a valid " + type.getSimpleName() + " encoded with schema id " + id + ": " + e,
                    e);
        }
    }

    private SpecificDatumReader<T> readerFor(String topic, int partition, long offset, int id) {
        Schema writerSchema;
        try {
            writerSchema = registry.schemaById(id);
        } catch (SchemaNotFoundException e) {
            throw new RecordDecodingException(
                    topic,
                    partition,
                    offset,
                    "unknown schema id " + id + ": the registry has no such schema (" + e.getMessage() + ")",
                    e);
        }
        var compatibility = SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writerSchema);
        if (compatibility.getType() != SchemaCompatibilityType.COMPATIBLE) {
            throw new RecordDecodingException(
                    topic,
                    partition,
                    offset,
                    "writer schema id " + id + " ("
                            + writerSchema.getFullName() + ") cannot be read as " + type.getName() + ": "
                            + compatibility.getResult().getIncompatibilities().stream()
                                    .map(i -> i.getType() + " at " + i.getLocation() + ": " + i.getMessage())
                                    .toList(),
                    null);
        }
        var reader = new SpecificDatumReader<T>(writerSchema, readerSchema, SpecificData.getForSchema(readerSchema));
        var previous = readersById.putIfAbsent(id, reader);
        return previous != null ? previous : reader;
    }
}
