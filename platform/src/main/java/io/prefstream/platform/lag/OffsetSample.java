package io.prefstream.platform.lag;

import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * Log-end offsets of some partitions at one instant. Two samples give produce rates:
 * {@code rate = (end₁ − end₀) / (t₁ − t₀)} records per second.
 *
 * @param nanoTime   {@link System#nanoTime()} when the offsets were read
 * @param logEndOffsets log-end offset per partition
 */
public record OffsetSample(long nanoTime, Map<TopicPartition, Long> logEndOffsets) {

    public OffsetSample {
        logEndOffsets = Map.copyOf(logEndOffsets);
    }

    /**
     * Records per second appended to each partition between {@code earlier} and this sample;
     * partitions missing from {@code earlier} are left out.
     *
     * @throws IllegalArgumentException when {@code earlier} is not strictly earlier
     */
    public Map<TopicPartition, Double> ratesSince(OffsetSample earlier) {
        double seconds = (nanoTime - earlier.nanoTime) / 1e9;
        if (seconds <= 0) {
            throw new IllegalArgumentException("Expected an earlier sample, found one " + (-seconds) + " s later");
        }
        var out = new TreeMap<TopicPartition, Double>((a, b) -> a.topic().equals(b.topic())
                ? Integer.compare(a.partition(), b.partition())
                : a.topic().compareTo(b.topic()));
        logEndOffsets.forEach((tp, end) -> {
            Long before = earlier.logEndOffsets.get(tp);
            if (before != null) {
                out.put(tp, (end - before) / seconds);
            }
        });
        return out;
    }

    /** Records per second appended to {@code topic} (all partitions) since {@code earlier}. */
    public double topicRateSince(OffsetSample earlier, String topic) {
        return ratesSince(earlier).entrySet().stream()
                .filter(e -> e.getKey().topic().equals(topic))
                .mapToDouble(Map.Entry::getValue)
                .sum();
    }
}
