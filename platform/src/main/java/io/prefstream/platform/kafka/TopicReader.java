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
 * Reads a topic once, from the beginning to the end offsets it has when the read starts, with a
 * consumer in no group (nothing is committed): compacted topics at start-up, record counts, a run's
 * outputs after it finished.
 */
public final class TopicReader {

    private TopicReader() {}

    /**
     * Hands every record of {@code topic} up to its current end to {@code each}, partition by
     * partition in offset order; returns how many there were.
     *
     * @throws KafkaException when the topic does not exist or its end is not reached within {@code timeout}
     */
    public static long readToEnd(
            KafkaClients clients, String topic, Duration timeout, Consumer<ConsumerRecord<byte[], byte[]>> each) {
        var props = clients.consumerProperties("unused");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        try (var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            if (partitions.isEmpty()) {
                throw new KafkaException("Topic " + topic + " does not exist");
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions, timeout));
            long deadline = System.nanoTime() + timeout.toNanos();
            long count = 0;
            while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
                if (System.nanoTime() > deadline) {
                    throw new KafkaException("could not read " + topic + " to its end offsets " + end + " within "
                            + timeout.toSeconds() + " s");
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
    }

    /** The end offset of every partition of {@code topic}, summed: how many records it ever held. */
    public static long endOffsets(KafkaClients clients, String topic, Duration timeout) {
        var props = clients.consumerProperties("unused");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        try (var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            return consumer.endOffsets(partitions, timeout).values().stream()
                    .mapToLong(Long::longValue)
                    .sum();
        }
    }
}
