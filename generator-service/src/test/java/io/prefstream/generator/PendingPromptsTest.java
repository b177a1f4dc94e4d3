package io.prefstream.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PendingPromptsTest {

    private static final TopicPartition P0 = new TopicPartition("prompts", 0);
    private static final TopicPartition P1 = new TopicPartition("prompts", 1);

    private final PendingPrompts pending = new PendingPrompts();

    private PendingPrompts.Entry add(TopicPartition tp, long offset) {
        var record = new ConsumerRecord<>(tp.topic(), tp.partition(), offset, new byte[0], new byte[0]);
        return pending.add(record, GeneratorTestKit.prompt(tp.partition() + "@" + offset, "1+1="), System.nanoTime());
    }

    @Test
    void promptsAreTakenOldestFirst() {
        add(P0, 10);
        add(P0, 11);
        add(P1, 5);
        add(P0, 12);
        assertEquals(4, pending.waitingCount());
        var first = pending.take(3);
        assertEquals(
                List.of(10L, 11L, 5L),
                first.stream().map(e -> e.record.offset()).toList());
        assertEquals(1, pending.waitingCount());
        assertEquals(1, pending.take(10).size());
        assertEquals(-1, pending.oldestWaitingNanos());
    }

    @Test
    void aPromptIsDoneWhenItsRolloutIsAcknowledgedAndFailsWithItsSend() {
        var ok = add(P0, 0);
        var lost = add(P0, 1);
        var ack = new CompletableFuture<Void>();
        ok.completeWith(ack);
        lost.completeWith(CompletableFuture.failedFuture(new IllegalStateException("record too large")));
        assertFalse(ok.done.isDone());
        ack.complete(null);
        assertTrue(ok.done.isDone() && !ok.done.isCompletedExceptionally());
        var e = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class, lost.done::join);
        assertEquals("record too large", e.getCause().getMessage());
    }

    @Test
    void releasingARevokedPartitionForgetsItsWaitingPrompts() {
        add(P0, 0);
        add(P1, 0);
        add(P1, 1);
        assertEquals(2, pending.release(List.of(P1)));
        assertEquals(1, pending.waitingCount());
        assertEquals(P0, pending.take(5).get(0).partition());
    }
}
