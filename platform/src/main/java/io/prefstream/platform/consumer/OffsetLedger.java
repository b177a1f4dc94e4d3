package io.prefstream.platform.consumer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Records between poll and commit, in arrival order per partition, each with the future of its
 * output.
 *
 * <p>Commit rule: a partition's offset advances past a record only when that record and every
 * earlier one of the partition has a completed output: its result acknowledged, or its dead letter
 * acknowledged. So a crash re-reads exactly the records whose outputs might be missing
 * (at-least-once). A record whose output failed is dead-lettered (through {@link FailedOutput})
 * and stays until the dead letter is acknowledged.
 *
 * <p>Used by the loop's thread only.
 */
final class OffsetLedger {

    /** One record and the output its offset waits for. */
    static final class Entry {
        final ConsumerRecord<byte[], byte[]> record;
        CompletableFuture<?> output;
        boolean deadLettered;

        Entry(ConsumerRecord<byte[], byte[]> record, CompletableFuture<?> output, boolean deadLettered) {
            this.record = record;
            this.output = output;
            this.deadLettered = deadLettered;
        }
    }

    /** Dead-letters a record whose output failed; returns the dead letter's future. */
    @FunctionalInterface
    interface FailedOutput {
        CompletableFuture<?> deadLetter(ConsumerRecord<byte[], byte[]> record, Throwable cause);
    }

    private final Map<TopicPartition, ArrayDeque<Entry>> byPartition = new LinkedHashMap<>();

    void add(ConsumerRecord<byte[], byte[]> record, CompletableFuture<?> output, boolean deadLetter) {
        Objects.requireNonNull(output, "output");
        byPartition
                .computeIfAbsent(new TopicPartition(record.topic(), record.partition()), k -> new ArrayDeque<>())
                .add(new Entry(record, output, deadLetter));
    }

    /** Records held, with outputs pending or completed but not yet committed. */
    int size() {
        return byPartition.values().stream().mapToInt(ArrayDeque::size).sum();
    }

    /**
     * Removes the completed prefix of every partition and returns the offsets to commit (last
     * completed offset + 1); {@code onSuccess} sees each removed record that was not dead-lettered.
     *
     * @throws DeadLetterFailedException when a dead letter could not be written
     */
    Map<TopicPartition, OffsetAndMetadata> completed(
            FailedOutput onFailure, java.util.function.Consumer<Entry> onSuccess) {
        var offsets = new HashMap<TopicPartition, OffsetAndMetadata>();
        for (var entry : byPartition.entrySet()) {
            ArrayDeque<Entry> queue = entry.getValue();
            long last = -1;
            while (!queue.isEmpty()) {
                Entry head = queue.peekFirst();
                if (!head.output.isDone()) {
                    break;
                }
                Throwable failure = failureOf(head.output);
                if (failure != null) {
                    if (head.deadLettered) {
                        throw new DeadLetterFailedException(head.record, failure);
                    }
                    head.output = onFailure.deadLetter(head.record, failure);
                    head.deadLettered = true;
                    break;
                }
                queue.pollFirst();
                if (!head.deadLettered) {
                    onSuccess.accept(head);
                }
                last = head.record.offset();
            }
            if (last >= 0) {
                offsets.put(entry.getKey(), new OffsetAndMetadata(last + 1));
            }
        }
        return offsets;
    }

    /** Every output still in flight. */
    List<CompletableFuture<?>> inFlight() {
        var out = new ArrayList<CompletableFuture<?>>();
        byPartition
                .values()
                .forEach(q -> q.forEach(e -> {
                    if (!e.output.isDone()) {
                        out.add(e.output);
                    }
                }));
        return out;
    }

    /** Forgets the records of {@code partitions} (revoked or lost: their new owner reads them again). */
    void release(Collection<TopicPartition> partitions) {
        partitions.forEach(byPartition::remove);
    }

    private static Throwable failureOf(CompletableFuture<?> done) {
        try {
            done.join();
            return null;
        } catch (CompletionException e) {
            return e.getCause() == null ? e : e.getCause();
        } catch (CancellationException e) {
            return e;
        }
    }
}
