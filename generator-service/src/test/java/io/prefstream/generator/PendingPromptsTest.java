package io.prefstream.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PendingPromptsTest {

    private static final TopicPartition P0 = new TopicPartition("prompts", 0);
    private static final TopicPartition P1 = new TopicPartition("prompts", 1);

    private final PendingPrompts pending = new PendingPrompts();
    private final List<String> deadLettered = new ArrayList<>();

    private static ConsumerRecord<byte[], byte[]> record(TopicPartition tp, long offset) {
        return new ConsumerRecord<>(tp.topic(), tp.partition(), offset, new byte[0], new byte[0]);
    }

    private PendingPrompts.Entry add(TopicPartition tp, long offset) {
        return pending.addPrompt(
                record(tp, offset), GeneratorTestKit.prompt(tp.partition() + "@" + offset, "1+1="), System.nanoTime());
    }

    private Map<TopicPartition, OffsetAndMetadata> completed() {
        return pending.completed((entry, cause) -> {
            deadLettered.add(entry.coordinates() + ": " + cause.getMessage());
            return CompletableFuture.completedFuture(null);
        });
    }

    @Test
    void onlyTheAcknowledgedPrefixOfEachPartitionIsCommitted() {
        add(P0, 10);
        add(P0, 11);
        add(P1, 5);
        add(P0, 12);
        assertEquals(4, pending.waitingCount());
        var first = pending.take(3); // oldest first: P0@10, P0@11, P1@5
        assertEquals(
                List.of(10L, 11L, 5L),
                first.stream().map(e -> e.record.offset()).toList());
        var ack10 = new CompletableFuture<Void>();
        var ack11 = new CompletableFuture<Void>();
        var ack5 = new CompletableFuture<Void>();
        first.get(0).completeWith(ack10, false);
        first.get(1).completeWith(ack11, false);
        first.get(2).completeWith(ack5, false);

        ack11.complete(null);
        ack5.complete(null);
        assertEquals(Map.of(P1, new OffsetAndMetadata(6)), completed(), "P0@11 waits for P0@10");
        ack10.complete(null);
        assertEquals(Map.of(P0, new OffsetAndMetadata(12)), completed(), "P0@12 is still waiting to be sampled");
        assertEquals(Map.of(), completed());
        assertEquals(1, pending.size());
        assertEquals(1, pending.waitingCount());
    }

    @Test
    void aDeadLetterIsCommittedInOrderWithThePromptsAroundIt() {
        add(P0, 0);
        var dlq = new CompletableFuture<Void>();
        pending.addDeadLettered(record(P0, 1), dlq);
        add(P0, 2);
        dlq.complete(null);
        assertEquals(Map.of(), completed(), "P0@0 not sampled yet");
        var batch = pending.take(10);
        assertEquals(2, batch.size(), "dead letters are never taken for sampling");
        batch.forEach(e -> e.completeWith(CompletableFuture.completedFuture(null), false));
        assertEquals(Map.of(P0, new OffsetAndMetadata(3)), completed());
    }

    @Test
    void aFailedRolloutIsDeadLetteredAndCommittedOnceThatIsAcknowledged() {
        add(P0, 0);
        var e = pending.take(1).get(0);
        e.completeWith(CompletableFuture.failedFuture(new IllegalStateException("record too large")), false);
        assertEquals(Map.of(), completed(), "the dead letter replaces the output first");
        assertEquals(List.of("prompts-0@0: record too large"), deadLettered);
        assertTrue(e.deadLettered);
        assertEquals(Map.of(P0, new OffsetAndMetadata(1)), completed());
    }

    @Test
    void aFailedDeadLetterIsFatal() {
        pending.addDeadLettered(
                record(P0, 7), CompletableFuture.failedFuture(new IllegalStateException("broker gone")));
        var e = assertThrows(IllegalStateException.class, this::completed);
        assertTrue(e.getMessage().startsWith("Cannot write dead letter for prompts-0@7"), e.getMessage());
    }

    @Test
    void releasingARevokedPartitionForgetsItsRecordsUncommitted() {
        add(P0, 0);
        add(P1, 0);
        add(P1, 1);
        assertEquals(2, pending.release(List.of(P1)));
        assertEquals(1, pending.waitingCount());
        assertEquals(P0, pending.take(5).get(0).partition());
    }
}
