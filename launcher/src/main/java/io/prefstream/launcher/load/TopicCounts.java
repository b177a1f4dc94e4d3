package io.prefstream.launcher.load;

import io.prefstream.platform.kafka.KafkaClients;
import io.prefstream.platform.kafka.TopicReader;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.KafkaException;

/** Counts of what a topic holds, as a {@code read_committed} consumer sees it. */
public final class TopicCounts {

    private TopicCounts() {}

    /**
     * The number of committed records in {@code topic} (aborted transactions and their markers
     * excluded), read from the beginning with a group-less consumer.
     *
     * @throws KafkaException when the topic cannot be read to its end within {@code timeout}
     */
    public static long committedRecords(KafkaClients clients, String topic, Duration timeout) {
        return TopicReader.readToEnd(clients, topic, timeout, record -> {});
    }

    /** Log-end offsets of {@code topic} summed over partitions: records ever appended (incl. markers). */
    public static long endOffsetSum(KafkaClients clients, String topic) {
        try (var reader =
                TopicReader.open(clients, topic, Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted"))) {
            return reader.endOffsets().values().stream()
                    .mapToLong(Long::longValue)
                    .sum();
        }
    }
}
