package io.prefstream.platform.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads every partition of one topic with a consumer in no group (nothing is committed), from the
 * beginning unless told otherwise: compacted topics at start-up, record counts, a run's outputs,
 * followers of a topic. Not thread-safe; close it.
 */
public final class TopicReader implements AutoCloseable {

    private final String topic;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<TopicPartition> partitions;

    private TopicReader(String topic, KafkaConsumer<byte[], byte[]> consumer, Duration timeout) {
        this.topic = topic;
        this.consumer = consumer;
        try {
            this.partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
        if (partitions.isEmpty()) {
            consumer.close();
            throw new KafkaException("Topic " + topic + " does not exist");
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** A reader of {@code topic} at its beginning, with Prefstream's consumer settings ({@code read_committed}). */
    public static TopicReader open(KafkaClients clients, String topic) {
        return open(clients, topic, Map.of());
    }

    /** A reader of {@code topic} at its beginning, with {@code overrides} on the consumer settings. */
    public static TopicReader open(KafkaClients clients, String topic, Map<String, Object> overrides) {
        var props = clients.consumerProperties("unused");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.putAll(overrides);
        var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        return new TopicReader(topic, consumer, Duration.ofSeconds(60));
    }

    /** Every partition of the topic. */
    public List<TopicPartition> partitions() {
        return partitions;
    }

    /** Moves the listed partitions to the given offsets (the others stay where they are). */
    public TopicReader seek(Map<TopicPartition, Long> offsets) {
        offsets.forEach((tp, offset) -> {
            if (partitions.contains(tp)) {
                consumer.seek(tp, offset);
            }
        });
        return this;
    }

    /** The next records, waiting at most {@code timeout} for any. */
    public Iterable<ConsumerRecord<byte[], byte[]>> poll(Duration timeout) {
        return consumer.poll(timeout);
    }

    /** Each partition's end offset (for {@code read_committed}: the last stable offset). */
    public Map<TopicPartition, Long> endOffsets() {
        return new HashMap<>(consumer.endOffsets(partitions));
    }

    /**
     * Hands every record up to the end offsets the topic has now to {@code each}, partition by
     * partition in offset order; returns how many there were.
     *
     * @throws KafkaException when the end is not reached within {@code timeout}
     */
    public long readToEnd(Duration timeout, Consumer<ConsumerRecord<byte[], byte[]>> each) {
        Map<TopicPartition, Long> end = endOffsets();
        long deadline = System.nanoTime() + timeout.toNanos();
        long count = 0;
        while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
            if (System.nanoTime() > deadline) {
                throw new KafkaException(
                        "Could not read " + topic + " to its end offsets " + end + " within " + timeout);
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                    each.accept(r);
                    count++;
                }
            }
        }
        return count;
    }

    /** Reads {@code topic} once from its beginning to its current end (see {@link #readToEnd(Duration, Consumer)}). */
    public static long readToEnd(
            KafkaClients clients, String topic, Duration timeout, Consumer<ConsumerRecord<byte[], byte[]>> each) {
        try (var reader = open(clients, topic)) {
            return reader.readToEnd(timeout, each);
        }
    }

    @Override
    public void close() {
        consumer.close();
    }
}
