package io.prefstream.platform.consumer;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * What a service does with the records its {@link ConsumerLoop} polls. Every method runs on the
 * loop's thread.
 */
public interface RecordProcessor {

    /**
     * Takes one polled record. Returns the future of its output: the record's offset is committed
     * only once it (and every earlier record of its partition) completed. Throwing, or a future that
     * fails, sends the record to the dead-letter topic, with the reason of a {@link Rejection} (else
     * {@value ConsumerLoop#HANDLER_EXCEPTION} or {@value ConsumerLoop#OUTPUT_SEND_FAILED}); the loop
     * goes on; a {@link FatalProcessingException} stops the loop without committing. A record held for later (e.g. a micro-batch) returns a future completed later.
     */
    CompletableFuture<?> process(ConsumerRecord<byte[], byte[]> record, LoopControl loop) throws Exception;

    /**
     * Called before every poll: do the work that is due (e.g. sample a full or overdue micro-batch).
     * Returns how long the coming poll may block; {@link Duration#ZERO} skips this turn's poll.
     */
    default Duration beforePoll(Duration pollTimeout, LoopControl loop) {
        return pollTimeout;
    }

    /** The loop sent {@code record} to the dead-letter topic for {@code reason} (for the service's own counters). */
    default void deadLettered(ConsumerRecord<byte[], byte[]> record, String reason) {}

    /** The loop gave up {@code partitions} (revoked or lost): forget work held for them, it is read again. */
    default void released(Collection<TopicPartition> partitions) {}

    /** The loop is about to make its final commit: finish outputs that can still finish (e.g. flush sends). */
    default void draining() {}

    /** The loop's thread is ending (after the final commit, before the consumer closes): free what it held. */
    default void stopped() {}
}
