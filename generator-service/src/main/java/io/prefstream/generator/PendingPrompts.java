package io.prefstream.generator;

import io.prefstream.schemas.Prompt;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Prompts read but not yet sampled, oldest first. Each holds the future its record's offset waits
 * for in the consumer loop: it completes when the prompt's rollout is acknowledged, and fails (so
 * the loop dead-letters the prompt) when sampling or sending fails. Waiting prompts are never
 * dropped; on revocation they are released uncommitted and the partition's new owner reads them
 * again.
 *
 * <p>Used by one thread only.
 */
final class PendingPrompts {

    /** One prompt waiting for, or in, sampling. */
    static final class Entry {
        final ConsumerRecord<byte[], byte[]> record;
        final Prompt prompt;
        final long receivedNanos;
        final CompletableFuture<Void> done = new CompletableFuture<>();

        Entry(ConsumerRecord<byte[], byte[]> record, Prompt prompt, long receivedNanos) {
            this.record = record;
            this.prompt = Objects.requireNonNull(prompt, "prompt");
            this.receivedNanos = receivedNanos;
        }

        TopicPartition partition() {
            return new TopicPartition(record.topic(), record.partition());
        }

        /** This prompt is done when {@code output} (its rollout's send) is. */
        void completeWith(CompletableFuture<?> output) {
            output.whenComplete((v, error) -> {
                if (error == null) {
                    done.complete(null);
                } else {
                    done.completeExceptionally(error);
                }
            });
        }

        /** This prompt cannot be sampled: the loop dead-letters it with {@code cause}. */
        void fail(Throwable cause) {
            done.completeExceptionally(cause);
        }
    }

    private final ArrayDeque<Entry> waiting = new ArrayDeque<>();

    /** Adds a decoded prompt to be sampled; returns it (its {@link Entry#done} is what the loop waits for). */
    Entry add(ConsumerRecord<byte[], byte[]> record, Prompt prompt, long receivedNanos) {
        var e = new Entry(record, prompt, receivedNanos);
        waiting.add(e);
        return e;
    }

    /** Prompts not yet taken for sampling. */
    int waitingCount() {
        return waiting.size();
    }

    /** When the oldest waiting prompt arrived ({@link System#nanoTime()}), or -1 when none waits. */
    long oldestWaitingNanos() {
        return waiting.isEmpty() ? -1 : waiting.peekFirst().receivedNanos;
    }

    /** Takes up to {@code n} waiting prompts, oldest first; the caller completes or fails each one. */
    List<Entry> take(int n) {
        var out = new ArrayList<Entry>(Math.min(n, waiting.size()));
        while (out.size() < n && !waiting.isEmpty()) {
            out.add(waiting.pollFirst());
        }
        return out;
    }

    /** Forgets the waiting prompts of {@code partitions} (revoked or lost); returns how many. */
    int release(Collection<TopicPartition> partitions) {
        int released = 0;
        for (Iterator<Entry> it = waiting.iterator(); it.hasNext(); ) {
            if (partitions.contains(it.next().partition())) {
                it.remove();
                released++;
            }
        }
        return released;
    }
}
