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
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Records between poll and commit, in arrival order per partition, each with the future of its
 * output.
 *
 * <p>Commit rule: a partition's offset advances past a record only when that record and every
 * earlier one of the partition has a completed output: its result acknowledged, or its dead letter
 * acknowledged (at-least-once: a crash re-reads exactly the records whose outputs might be
 * missing). A record whose output failed is dead-lettered through {@link Failures#deadLetter};
 * a dead letter that failed goes to {@link Failures#deadLetterFailed}, which sends it again or,
 * when it can never be written, records that and lets the record complete: one record never
 * stops its partition for good.
 *
 * <p>Used by the loop's thread only.
 */
final class OffsetLedger {

    /** One record and the output its offset waits for. */
    static final class Entry {
        final ConsumerRecord<byte[], byte[]> record;
        CompletableFuture<?> output;
        /** Sends this record's dead letter again; null while the output is the record's own. */
        Supplier<CompletableFuture<?>> deadLetter;

        Entry(ConsumerRecord<byte[], byte[]> record, CompletableFuture<?> output) {
            this.record = record;
            this.output = output;
        }

        boolean deadLettered() {
            return deadLetter != null;
        }
    }

    /** What replaces a failed output. */
    interface Failures {
        /** The dead letter of a record whose output failed with {@code cause}: how to send it. */
        Supplier<CompletableFuture<?>> deadLetter(ConsumerRecord<byte[], byte[]> record, Throwable cause);

        /**
         * The record's dead letter failed with {@code cause}: a new attempt ({@code send.get()}), or,
         * when it cannot succeed, a completed future once the loss is recorded.
         */
        CompletableFuture<?> deadLetterFailed(
                ConsumerRecord<byte[], byte[]> record, Throwable cause, Supplier<CompletableFuture<?>> send);
    }

    private final Map<TopicPartition, ArrayDeque<Entry>> byPartition = new LinkedHashMap<>();

    /** A record whose output is {@code output}. */
    void add(ConsumerRecord<byte[], byte[]> record, CompletableFuture<?> output) {
        queue(record).add(new Entry(record, Objects.requireNonNull(output, "output")));
    }

    /** A record that goes to the dead-letter topic at once; {@code send} sends it (again). */
    void addDeadLetter(ConsumerRecord<byte[], byte[]> record, Supplier<CompletableFuture<?>> send) {
        var e = new Entry(record, send.get());
        e.deadLetter = send;
        queue(record).add(e);
    }

    /** Records held, with outputs pending or completed but not yet committed. */
    int size() {
        return byPartition.values().stream().mapToInt(ArrayDeque::size).sum();
    }

    /**
     * Removes the completed prefix of every partition and returns the offsets to commit (last
     * completed offset + 1); {@code onSuccess} sees each removed record that was not dead-lettered.
     */
    Map<TopicPartition, OffsetAndMetadata> completed(Failures failures, Consumer<Entry> onSuccess) {
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
                    if (head.deadLetter == null) {
                        head.deadLetter = failures.deadLetter(head.record, failure);
                        head.output = head.deadLetter.get();
                    } else {
                        head.output = failures.deadLetterFailed(head.record, failure, head.deadLetter);
                    }
                    continue; // settled below once its replacement completes
                }
                queue.pollFirst();
                if (!head.deadLettered()) {
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

    private ArrayDeque<Entry> queue(ConsumerRecord<byte[], byte[]> record) {
        return byPartition.computeIfAbsent(
                new TopicPartition(record.topic(), record.partition()), k -> new ArrayDeque<>());
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
