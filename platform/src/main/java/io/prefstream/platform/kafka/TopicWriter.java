package io.prefstream.platform.kafka;

import io.prefstream.schemas.registry.SchemaRegistries;
import io.prefstream.schemas.registry.SchemaRegistryClient;
import io.prefstream.schemas.topics.Topic;
import io.prefstream.schemas.topics.TopicCodec;
import io.prefstream.schemas.topics.TopicSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;

/**
 * Writes records to one catalogue topic, all or nothing: one Kafka transaction per
 * {@link #writeAll} call, so {@code read_committed} consumers (every Prefstream service) see either
 * every record or, after a failure, none. The topic must exist (checked first, so a missing stack
 * fails fast with a clear message instead of a minute-long metadata wait).
 */
public final class TopicWriter<T extends SpecificRecord> implements AutoCloseable {

    private final Topic<T> topic;
    private final TopicCodec<T> codec;
    private final SchemaRegistryClient registry;
    private final KafkaProducer<byte[], byte[]> producer;

    private TopicWriter(Topic<T> topic, SchemaRegistryClient registry, KafkaProducer<byte[], byte[]> producer) {
        this.topic = topic;
        this.codec = topic.codec(registry);
        this.registry = registry;
        this.producer = producer;
    }

    /**
     * A writer for {@code topic} on the cluster and registry of {@code clients}.
     *
     * @throws IllegalStateException when the topic does not exist
     */
    public static <T extends SpecificRecord> TopicWriter<T> open(KafkaClients clients, Topic<T> topic) {
        requireExists(clients, topic);
        var props = clients.producerProperties();
        props.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
        // Unique per writer: loaders may run concurrently, and none resumes another's transaction.
        props.put(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                clients.config().serviceId() + "-" + topic.name() + "-" + UUID.randomUUID());
        var producer = new KafkaProducer<>(
                props,
                new org.apache.kafka.common.serialization.ByteArraySerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer());
        SchemaRegistryClient registry = SchemaRegistries.forUrl(
                clients.config().schemaRegistryUrl(), clients.config().kafkaProperties());
        try {
            producer.initTransactions();
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            registry.close();
            throw e;
        }
        return new TopicWriter<>(topic, registry, producer);
    }

    /**
     * Sends every record keyed by {@code key} in one transaction and commits it.
     *
     * @return the number of records stored
     * @throws KafkaException when the broker or registry refused a record; the transaction is
     *                        aborted and no record of this call becomes visible
     */
    public int writeAll(List<T> records, Function<T, String> key) {
        producer.beginTransaction();
        try {
            var pending = new ArrayList<Future<RecordMetadata>>(records.size());
            for (T record : records) {
                pending.add(producer.send(codec.record(key.apply(record), record)));
            }
            producer.flush();
            for (int i = 0; i < pending.size(); i++) {
                try {
                    pending.get(i).get();
                } catch (ExecutionException e) {
                    throw new KafkaException(
                            "Record " + (i + 1) + " of " + records.size() + " to " + topic.name() + " was not stored: "
                                    + e.getCause().getMessage(),
                            e.getCause());
                }
            }
            producer.commitTransaction();
            return records.size();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abort();
            throw new KafkaException("Interrupted while writing to " + topic.name() + "; nothing was written", e);
        } catch (RuntimeException e) {
            abort();
            throw e;
        }
    }

    private void abort() {
        try {
            producer.abortTransaction();
        } catch (RuntimeException suppressed) {
            // the producer is unusable (fenced or closed): the broker aborts the transaction on timeout
        }
    }

    @Override
    public void close() {
        producer.close();
        registry.close();
    }

    /**
     * Fails unless {@code topic} exists on the cluster of {@code clients}.
     *
     * @throws IllegalStateException naming the topic, the cluster and what to do
     */
    public static void requireExists(KafkaClients clients, TopicSpec topic) {
        var bootstrap = clients.config().bootstrapServers();
        Admin admin = clients.admin();
        try {
            var names = admin.listTopics().names().get(20, TimeUnit.SECONDS);
            if (!names.contains(topic.name())) {
                throw new IllegalStateException("Topic " + topic.name() + " does not exist on " + bootstrap
                        + ": start the stack with 'prefstream up' or provision it with 'prefstream bootstrap'");
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(
                    "Cannot reach Kafka at " + bootstrap + " (" + e
                            + "): is 'prefstream up' running, or is --bootstrap right?",
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while checking topic " + topic.name(), e);
        } finally {
            admin.close(Duration.ofSeconds(2)); // do not wait out the client's retries against a dead cluster
        }
    }
}
