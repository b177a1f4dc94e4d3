package io.prefstream.platform.consumer;

import java.util.Map;
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

    /**
     * Sends {@code record} to the dead-letter topic with {@code reason} and waits for the ack
     * (transient failures are retried; a dead letter that can never be written is logged and
     * counted instead). Never throws for the record's sake.
     */
    void deadLetter(ConsumerRecord<byte[], byte[]> record, String reason, Throwable error);

    /** Whether every assigned partition has been read to its current end (asks the broker). */
    boolean atEnd();

    /** Records of the assignment not yet fetched. */
    long inputLag();
}
