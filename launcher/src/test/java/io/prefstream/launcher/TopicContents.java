package io.prefstream.launcher;

import io.prefstream.platform.config.CommonConfig;
import io.prefstream.platform.kafka.KafkaClients;
import io.prefstream.schemas.serde.AvroDeserializer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads a whole topic (up to its end offsets now) without a consumer group. */
final class TopicContents {

    private TopicContents() {}

    static <T extends SpecificRecord> List<ConsumerRecord<String, T>> readAll(
            String bootstrap, String registry, String topic, Class<T> type) {
        var config = new CommonConfig(bootstrap, registry, "test-reader", 0, Path.of("."), 1, (short) 1, -1, Map.of());
        Map<String, Object> props = new KafkaClients(config).consumerProperties("unused");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        var values = new AvroDeserializer<>(type);
        values.configure(Map.of("schema.registry.url", registry), false);
        try (var consumer = new KafkaConsumer<>(props, new StringDeserializer(), values)) {
            var partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            var out = new ArrayList<ConsumerRecord<String, T>>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("Could not read " + topic + " to its end " + ends + " within 30 s");
                }
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            return out;
        }
    }

    /**
     * The records added since {@code before}, read again until there are {@code expected} (or 30 s
     * pass): a transaction's commit markers reach its partitions just after the commit returns, so a
     * {@code read_committed} reader may not see its records at once.
     */
    static <T> List<ConsumerRecord<String, T>> addedEventually(
            List<ConsumerRecord<String, T>> before,
            java.util.function.Supplier<List<ConsumerRecord<String, T>>> read,
            int expected) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            var added = added(before, read.get());
            if (added.size() >= expected || System.nanoTime() > deadline) {
                return added;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return added;
            }
        }
    }

    /** The records of {@code after} that were not yet in {@code before} (by partition and offset). */
    static <T> List<ConsumerRecord<String, T>> added(
            List<ConsumerRecord<String, T>> before, List<ConsumerRecord<String, T>> after) {
        var ends = new java.util.HashMap<Integer, Long>();
        before.forEach(r -> ends.merge(r.partition(), r.offset() + 1, Math::max));
        return after.stream()
                .filter(r -> r.offset() >= ends.getOrDefault(r.partition(), 0L))
                .toList();
    }
}
