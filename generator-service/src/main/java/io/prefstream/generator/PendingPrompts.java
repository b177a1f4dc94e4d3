package io.prefstream.generator;

import io.prefstream.schemas.Prompt;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Prompt records between poll and commit, in arrival order per partition.
 *
 * <p>Commit rule: a partition's offset advances past a record only when that record and every
 * earlier one of the partition has a completed output: its rollout acknowledged, or its dead letter
 * acknowledged. So a crash re-reads exactly the records whose outputs might be missing
 * (at-least-once; the deterministic rollout id makes the repeat recognisable downstream).
 * Records waiting to be sampled are held here, never dropped; on revocation they are released
 * uncommitted and the partition's new owner reads them again.
 *
 * <p>Used by one thread only.
 */
final class PendingPrompts {

    /** One record: a prompt waiting for or in sampling, or a dead letter in flight. */
    static final class Entry {
        final ConsumerRecord<byte[], byte[]> record;
        final Prompt prompt;
        final long receivedNanos;
        Future<?> output;
        boolean deadLettered;

        Entry(ConsumerRecord<byte[], byte[]> record, Prompt prompt, long receivedNanos) {
            this.record = record;
            this.prompt = prompt;
            this.receivedNanos = receivedNanos;
        }

        TopicPartition partition() {
            return new TopicPartition(record.topic(), record.partition());
        }

        /** Sets the output whose acknowledgement lets this record's offset be committed. */
        void completeWith(Future<?> future, boolean isDeadLetter) {
            this.output = Objects.requireNonNull(future, "future");
            this.deadLettered = isDeadLetter;
        }

        String coordinates() {
            return record.topic() + "-" + record.partition() + "@" + record.offset();
        }
    }

    /** Decides what happens to a record whose output failed; returns the dead letter's future. */
    @FunctionalInterface
    interface FailedOutput {
        Future<?> deadLetter(Entry entry, Throwable cause);
    }

    private final Map<TopicPartition, ArrayDeque<Entry>> byPartition = new LinkedHashMap<>();
    private final ArrayDeque<Entry> waiting = new ArrayDeque<>();

    /** Adds a decoded prompt to be sampled. */
    Entry addPrompt(ConsumerRecord<byte[], byte[]> record, Prompt prompt, long receivedNanos) {
        var e = new Entry(record, Objects.requireNonNull(prompt, "prompt"), receivedNanos);
        queue(e.partition()).add(e);
        waiting.add(e);
        return e;
    }

    /** Adds a record that was already dead-lettered (its offset is committed once the send is acknowledged). */
    Entry addDeadLettered(ConsumerRecord<byte[], byte[]> record, Future<?> deadLetter) {
        var e = new Entry(record, null, System.nanoTime());
        e.completeWith(deadLetter, true);
        queue(e.partition()).add(e);
        return e;
    }

    /** Prompts not yet taken for sampling. */
    int waitingCount() {
        return waiting.size();
    }

    /** All records held, waiting or with outputs in flight. */
    int size() {
        return byPartition.values().stream().mapToInt(ArrayDeque::size).sum();
    }

    /** When the oldest waiting prompt arrived ({@link System#nanoTime()}), or -1 when none waits. */
    long oldestWaitingNanos() {
        return waiting.isEmpty() ? -1 : waiting.peekFirst().receivedNanos;
    }

    /** Takes up to {@code n} waiting prompts, oldest first; the caller sets each one's output. */
    List<Entry> take(int n) {
        var out = new ArrayList<Entry>(Math.min(n, waiting.size()));
        while (out.size() < n && !waiting.isEmpty()) {
            out.add(waiting.pollFirst());
        }
        return out;
    }

    /**
     * Removes the completed prefix of every partition and returns the offsets to commit (last
     * completed offset + 1). A failed rollout send is dead-lettered through {@code onFailure} and
     * stays until that send completes; a failed dead-letter send is fatal.
     *
     * @throws IllegalStateException when a dead letter could not be written
     */
    Map<TopicPartition, OffsetAndMetadata> completed(FailedOutput onFailure) {
        var offsets = new HashMap<TopicPartition, OffsetAndMetadata>();
        for (var entry : byPartition.entrySet()) {
            ArrayDeque<Entry> queue = entry.getValue();
            long last = -1;
            while (!queue.isEmpty()) {
                Entry head = queue.peekFirst();
                if (head.output == null || !head.output.isDone()) {
                    break;
                }
                Throwable failure = failureOf(head.output);
                if (failure != null) {
                    if (head.deadLettered) {
                        throw new IllegalStateException(
                                "Cannot write dead letter for " + head.coordinates() + ": " + failure, failure);
                    }
                    head.completeWith(onFailure.deadLetter(head, failure), true);
                    break;
                }
                queue.pollFirst();
                last = head.record.offset();
            }
            if (last >= 0) {
                offsets.put(entry.getKey(), new OffsetAndMetadata(last + 1));
            }
        }
        return offsets;
    }

    /** Every output in flight (to wait for before a final commit). */
    List<Future<?>> inFlight() {
        var out = new ArrayList<Future<?>>();
        byPartition
                .values()
                .forEach(q -> q.forEach(e -> {
                    if (e.output != null && !e.output.isDone()) {
                        out.add(e.output);
                    }
                }));
        return out;
    }

    /** Forgets the records of {@code partitions} (revoked or lost); returns how many prompts were released unsampled. */
    int release(Collection<TopicPartition> partitions) {
        int released = 0;
        for (TopicPartition tp : partitions) {
            ArrayDeque<Entry> queue = byPartition.remove(tp);
            if (queue != null) {
                released += (int) queue.stream().filter(e -> e.output == null).count();
            }
        }
        for (Iterator<Entry> it = waiting.iterator(); it.hasNext(); ) {
            if (partitions.contains(it.next().partition())) {
                it.remove();
            }
        }
        return released;
    }

    private ArrayDeque<Entry> queue(TopicPartition tp) {
        return byPartition.computeIfAbsent(tp, k -> new ArrayDeque<>());
    }

    private static Throwable failureOf(Future<?> done) {
        try {
            done.get();
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e;
        } catch (java.util.concurrent.CancellationException e) {
            return e;
        }
    }
}
