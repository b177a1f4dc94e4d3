package io.prefstream.platform.kafka;

import io.prefstream.schemas.registry.SchemaRegistryClient;
import io.prefstream.schemas.topics.Topic;
import io.prefstream.schemas.topics.TopicCodec;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Writes typed values to the catalogue's {@link Topic}s through one idempotent producer: the key
 * as UTF-8, the value in the Confluent wire format (schema registered on first use). Every send
 * returns a {@link CompletableFuture} that completes when the broker acknowledges the record, so
 * callers chain on it instead of blocking. Thread-safe, as the Kafka producer is.
 */
public final class TopicProducer implements AutoCloseable {

    private final Producer<byte[], byte[]> producer;
    private final SchemaRegistryClient registry;
    private final Map<Topic<?>, TopicCodec<?>> codecs = new ConcurrentHashMap<>();

    /** Wraps {@code producer} (closed by {@link #close}). */
    public TopicProducer(Producer<byte[], byte[]> producer, SchemaRegistryClient registry) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** Sends {@code value} under {@code key} to {@code topic}. */
    public <V extends SpecificRecord> CompletableFuture<RecordMetadata> send(Topic<V> topic, String key, V value) {
        return send(codec(topic).record(key, value));
    }

    /** Sends a record whose bytes are already framed (forwarding, dead letters, stale records). */
    public CompletableFuture<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
        var acked = new CompletableFuture<RecordMetadata>();
        try {
            producer.send(record, (metadata, error) -> {
                if (error == null) {
                    acked.complete(metadata);
                } else {
                    acked.completeExceptionally(error);
                }
            });
        } catch (RuntimeException e) {
            acked.completeExceptionally(e); // e.g. a record over max.request.size, rejected before it is sent
        }
        return acked;
    }

    /** The codec this producer uses for {@code topic}. */
    @SuppressWarnings("unchecked")
    public <V extends SpecificRecord> TopicCodec<V> codec(Topic<V> topic) {
        return (TopicCodec<V>) codecs.computeIfAbsent(topic, t -> t.codec(registry));
    }

    /** Blocks until every record sent so far is acknowledged or failed. */
    public void flush() {
        producer.flush();
    }

    /** The underlying producer, for platform components that share it (dead letters, transactions). */
    public Producer<byte[], byte[]> kafkaProducer() {
        return producer;
    }

    public void close(Duration timeout) {
        producer.close(timeout);
    }

    @Override
    public void close() {
        producer.close();
    }
}
