package io.prefstream.schemas.topics;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.prefstream.schemas.registry.SchemaRegistryClient;
import io.prefstream.schemas.serde.AvroDecoder;
import io.prefstream.schemas.serde.AvroEncoder;
import io.prefstream.schemas.serde.AvroSerde;
import io.prefstream.schemas.serde.RecordDecodingException;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serde;

/**
 * The values of one {@link Topic} in the Confluent wire format: {@link #encode} registers the
 * class's schema under {@code <topic>-value} on first use, {@link #decode} resolves the writer
 * schema named by the frame against the class's own. Thread-safe; ids and readers are cached.
 */
public final class TopicCodec<V extends SpecificRecord> {

    private final Topic<V> topic;
    private final SchemaRegistryClient registry;
    private final AvroEncoder<V> encoder;
    private final AvroDecoder<V> decoder;

    TopicCodec(Topic<V> topic, SchemaRegistryClient registry) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.encoder = new AvroEncoder<>(registry);
        this.decoder = new AvroDecoder<>(topic.valueType(), registry);
    }

    public Topic<V> topic() {
        return topic;
    }

    /** The framed bytes of {@code value}; {@code null} (a tombstone) stays {@code null}. */
    public byte[] encode(V value) {
        return encoder.encode(topic.name(), value);
    }

    /** A record for this topic: the key as UTF-8, the value encoded. */
    public ProducerRecord<byte[], byte[]> record(String key, V value) {
        return new ProducerRecord<>(topic.name(), key == null ? null : key.getBytes(UTF_8), encode(value));
    }

    /**
     * The value of {@code record}, read from this topic (or any topic of the same type); a tombstone
     * decodes to {@code null}.
     *
     * @throws RecordDecodingException when the bytes are not a {@code V}; it keeps {@code record}
     *     (see {@link RecordDecodingException#source()}) so the caller can dead-letter the original bytes
     */
    public V decode(ConsumerRecord<byte[], byte[]> record) {
        try {
            return decoder.decode(record);
        } catch (RecordDecodingException e) {
            throw e.withSource(record);
        }
    }

    /** Decodes bytes read from this topic at an unknown position. */
    public V decode(byte[] value) {
        return decoder.decode(topic.name(), value);
    }

    /** Decodes bytes read from {@code source} at {@code partition}/{@code offset} (Kafka Streams inputs, stores). */
    public V decode(String source, int partition, long offset, byte[] value) {
        return decoder.decode(source, partition, offset, value);
    }

    /** A Kafka {@link Serde} of the values sharing this codec's registry (Kafka Streams). */
    public Serde<V> serde() {
        return new AvroSerde<>(topic.valueType(), registry);
    }
}
