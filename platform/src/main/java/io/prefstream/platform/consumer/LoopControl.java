package io.prefstream.platform.consumer;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/** What a {@link RecordProcessor} may ask of its loop, from the loop's thread. */
public interface LoopControl {

    /** Ends the loop after the current record: final commit (unless the policy is on request), then close. */
    void stop();

    /**
     * Commits {@code offsets} synchronously ({@link CommitPolicy#ON_REQUEST}: e.g. at a checkpoint
     * that holds the position); returns false when the group rebalanced and the commit was refused.
     */
    boolean commit(Map<TopicPartition, OffsetAndMetadata> offsets);

    /** Sends {@code record} to the dead-letter topic with {@code reason}; the future completes when acknowledged. */
    CompletableFuture<?> deadLetter(ConsumerRecord<byte[], byte[]> record, String reason, Throwable error);

    /** Whether every assigned partition has been read to its current end (asks the broker). */
    boolean atEnd();

    /** Records of the assignment not yet fetched. */
    long inputLag();
}
