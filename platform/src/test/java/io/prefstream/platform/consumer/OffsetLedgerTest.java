package io.prefstream.platform.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The commit rule: only the completed prefix of each partition is committed. */
class OffsetLedgerTest {

    private static final TopicPartition P0 = new TopicPartition("prompts", 0);
    private static final TopicPartition P1 = new TopicPartition("prompts", 1);

    private final OffsetLedger ledger = new OffsetLedger();
    private final List<String> deadLettered = new ArrayList<>();
    private final List<String> deadLetterFailures = new ArrayList<>();
    private final List<Long> succeeded = new ArrayList<>();
    /** What a failed dead letter is replaced by: a new attempt, or (null) given up on. */
    private CompletableFuture<?> nextAttempt;

    private final OffsetLedger.Failures failures = new OffsetLedger.Failures() {
        @Override
        public Supplier<CompletableFuture<?>> deadLetter(ConsumerRecord<byte[], byte[]> record, Throwable cause) {
            deadLettered.add(coordinates(record) + ": " + cause.getMessage());
            return () -> CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<?> deadLetterFailed(
                ConsumerRecord<byte[], byte[]> record, Throwable cause, Supplier<CompletableFuture<?>> send) {
            deadLetterFailures.add(coordinates(record) + ": " + cause.getMessage());
            return nextAttempt != null ? nextAttempt : CompletableFuture.completedFuture(null);
        }
    };

    private static String coordinates(ConsumerRecord<?, ?> r) {
        return r.topic() + "-" + r.partition() + "@" + r.offset();
    }

    private static ConsumerRecord<byte[], byte[]> record(TopicPartition tp, long offset) {
        return new ConsumerRecord<>(tp.topic(), tp.partition(), offset, new byte[0], new byte[0]);
    }

    private CompletableFuture<Void> add(TopicPartition tp, long offset) {
        var output = new CompletableFuture<Void>();
        ledger.add(record(tp, offset), output);
        return output;
    }

    private Map<TopicPartition, OffsetAndMetadata> completed() {
        return ledger.completed(failures, entry -> succeeded.add(entry.record.offset()));
    }

    @Test
    void onlyTheAcknowledgedPrefixOfEachPartitionIsCommitted() {
        var ack10 = add(P0, 10);
        var ack11 = add(P0, 11);
        var ack5 = add(P1, 5);
        add(P0, 12);
        ack11.complete(null);
        ack5.complete(null);
        assertEquals(Map.of(P1, new OffsetAndMetadata(6)), completed(), "P0@11 waits for P0@10");
        ack10.complete(null);
        assertEquals(Map.of(P0, new OffsetAndMetadata(12)), completed(), "P0@12 is still in flight");
        assertEquals(Map.of(), completed());
        assertEquals(1, ledger.size());
        assertEquals(1, ledger.inFlight().size());
        assertEquals(List.of(5L, 10L, 11L), succeeded.stream().sorted().toList());
    }

    @Test
    void aDeadLetterIsCommittedInOrderWithTheRecordsAroundIt() {
        var first = add(P0, 0);
        var dlq = new CompletableFuture<Void>();
        ledger.addDeadLetter(record(P0, 1), () -> dlq);
        var third = add(P0, 2);
        dlq.complete(null);
        assertEquals(Map.of(), completed(), "P0@0 not done yet");
        first.complete(null);
        third.complete(null);
        assertEquals(Map.of(P0, new OffsetAndMetadata(3)), completed());
        assertEquals(List.of(0L, 2L), succeeded, "a dead letter is not counted as processed");
    }

    @Test
    void aFailedOutputIsDeadLetteredAndCommittedOnceThatIsAcknowledged() {
        add(P0, 0).completeExceptionally(new IllegalStateException("record too large"));
        assertEquals(Map.of(P0, new OffsetAndMetadata(1)), completed());
        assertEquals(List.of("prompts-0@0: record too large"), deadLettered);
        assertEquals(List.of(), succeeded);
    }

    @Test
    void aFailedDeadLetterIsRetriedUntilItIsWritten() {
        var retry = new CompletableFuture<Void>();
        nextAttempt = retry;
        ledger.addDeadLetter(record(P0, 7), () -> CompletableFuture.failedFuture(new IllegalStateException("gone")));
        assertEquals(Map.of(), completed(), "waits for the second attempt");
        assertEquals(List.of("prompts-0@7: gone"), deadLetterFailures);
        retry.complete(null);
        assertEquals(Map.of(P0, new OffsetAndMetadata(8)), completed());
    }

    @Test
    void aDeadLetterThatCanNeverBeWrittenIsRecordedAndThePartitionGoesOn() {
        nextAttempt = null;
        ledger.addDeadLetter(
                record(P0, 7), () -> CompletableFuture.failedFuture(new IllegalStateException("too large")));
        add(P0, 8).complete(null);
        assertEquals(Map.of(P0, new OffsetAndMetadata(9)), completed());
        assertEquals(List.of("prompts-0@7: too large"), deadLetterFailures);
        assertEquals(List.of(8L), succeeded);
    }

    @Test
    void releasingARevokedPartitionForgetsItsRecordsUncommitted() {
        add(P0, 0).complete(null);
        add(P1, 0).complete(null);
        ledger.release(List.of(P1));
        assertEquals(Map.of(P0, new OffsetAndMetadata(1)), completed());
        assertEquals(0, ledger.size());
    }
}
