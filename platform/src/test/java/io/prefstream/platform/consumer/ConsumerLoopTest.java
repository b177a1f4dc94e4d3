package io.prefstream.platform.consumer;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.prefstream.platform.deadletter.DeadLetterHeaders;
import io.prefstream.platform.deadletter.DeadLetterPublisher;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** The loop's commit, dead-letter and back-pressure rules, on Kafka's mock clients. */
class ConsumerLoopTest {

    private static final String TOPIC = "in";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);

    /** Every offset map the loop committed, in order (readable after the consumer is closed). */
    private final List<Map<TopicPartition, OffsetAndMetadata>> commits = new CopyOnWriteArrayList<>();

    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest") {
        @Override
        public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
            super.commitSync(offsets);
            commits.add(Map.copyOf(offsets));
        }
    };
    private final MockProducer<byte[], byte[]> dlqProducer =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<String> handled = new CopyOnWriteArrayList<>();

    private ConsumerLoop.Builder loop(RecordProcessor handler) {
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(TP));
            consumer.updateBeginningOffsets(Map.of(TP, 0L));
        });
        return ConsumerLoop.builder()
                .consumer(consumer)
                .topics(TOPIC)
                .processor(handler)
                .deadLetters(new DeadLetterPublisher(dlqProducer, registry, "dlq"))
                .service("svc")
                .registry(registry)
                .pollTimeout(Duration.ofMillis(10));
    }

    private static ConsumerRecord<byte[], byte[]> record(long offset, String value) {
        return new ConsumerRecord<>(TOPIC, 0, offset, ("k" + offset).getBytes(UTF_8), value.getBytes(UTF_8));
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Gave up waiting for: " + what);
            }
            Thread.sleep(5);
        }
    }

    /** The last committed offset of the partition, -1 when none. */
    private long committed() {
        return commits.isEmpty() ? -1 : commits.get(commits.size() - 1).get(TP).offset();
    }

    /** Waits until the loop has run {@code n} more polls. */
    private void awaitPolls(int n) throws InterruptedException {
        var polls = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            consumer.schedulePollTask(polls::countDown);
        }
        assertTrue(polls.await(30, TimeUnit.SECONDS), "loop stopped polling");
    }

    @Test
    void failingRecordIsDeadLetteredAndTheRestCommitted() throws Exception {
        try (var loop = loop((r, l) -> {
                    String v = new String(r.value(), UTF_8);
                    if (v.equals("bad")) {
                        throw new IllegalStateException("rejected " + r.offset());
                    }
                    handled.add(v);
                    return CompletableFuture.completedFuture(null);
                })
                .start()) {
            awaitPolls(1);
            consumer.schedulePollTask(() -> {
                consumer.addRecord(record(0, "a"));
                consumer.addRecord(record(1, "bad"));
                consumer.addRecord(record(2, "c"));
            });
            await(() -> committed() == 3, "offset 3 committed");
            assertEquals(List.of("a", "c"), handled);
            assertEquals(1, dlqProducer.history().size());
            ProducerRecord<byte[], byte[]> dead = dlqProducer.history().get(0);
            assertEquals("dlq", dead.topic());
            assertEquals("bad", new String(dead.value(), UTF_8));
            assertEquals(
                    "1",
                    new String(
                            dead.headers()
                                    .lastHeader(DeadLetterHeaders.SOURCE_OFFSET)
                                    .value(),
                            UTF_8));
            assertEquals(
                    "rejected 1",
                    new String(
                            dead.headers()
                                    .lastHeader(DeadLetterHeaders.EXCEPTION_MESSAGE)
                                    .value(),
                            UTF_8));
            assertEquals(
                    2.0, registry.get(ConsumerLoop.PROCESSED_COUNTER).counter().count());
            assertTrue(loop.health().healthy());
        }
        assertTrue(consumer.closed(), "loop closes its consumer");
        assertEquals(List.of(Map.of(TP, new OffsetAndMetadata(3))), commits, "one commit for the batch");
    }

    @Test
    void offsetIsNotCommittedBeforeTheHandlersOutputIsAcknowledged() throws Exception {
        var output = new CompletableFuture<Void>();
        try (var loop = loop((r, l) -> output).start()) {
            awaitPolls(1);
            consumer.schedulePollTask(() -> consumer.addRecord(record(0, "x")));
            await(
                    () -> consumer.paused().isEmpty()
                            && consumer.assignment().contains(TP)
                            && !output.isDone()
                            && registry.find(DeadLetterPublisher.COUNTER)
                                    .counters()
                                    .isEmpty(),
                    "record handed over");
            // The loop is blocked on the output: no poll can run, so nothing can have been committed.
            assertEquals(-1, committed());
            output.complete(null);
            await(() -> committed() == 1, "offset 1 committed after the output was acknowledged");
            assertEquals(0, dlqProducer.history().size());
        }
    }

    @Test
    void failedOutputSendIsDeadLetteredWithItsCause() throws Exception {
        try (var loop = loop((r, l) -> CompletableFuture.failedFuture(new RecordTooLargeException("too big")))
                .start()) {
            awaitPolls(1);
            consumer.schedulePollTask(() -> consumer.addRecord(record(0, "huge")));
            await(() -> committed() == 1, "offset committed after dead-lettering");
            var dead = dlqProducer.history().get(0);
            assertEquals(
                    "output-send-failed",
                    new String(
                            dead.headers().lastHeader(DeadLetterHeaders.REASON).value(), UTF_8));
            assertEquals(
                    RecordTooLargeException.class.getName(),
                    new String(
                            dead.headers()
                                    .lastHeader(DeadLetterHeaders.EXCEPTION_CLASS)
                                    .value(),
                            UTF_8));
        }
    }

    @Test
    void pausedLoopReadsNothingUntilResumed() throws Exception {
        var backPressure = new AtomicBoolean(false);
        try (var loop = loop((r, l) -> {
                    handled.add(new String(r.value(), UTF_8));
                    return CompletableFuture.completedFuture(null);
                })
                .pauseWhen(backPressure::get)
                .start()) {
            awaitPolls(1);
            backPressure.set(true);
            await(loop::isPaused, "loop paused");
            assertEquals(Set.of(TP), consumer.paused());
            consumer.schedulePollTask(() -> consumer.addRecord(record(0, "held")));
            awaitPolls(5);
            assertEquals(List.of(), handled);
            assertTrue(loop.health().detail().contains("paused"));

            backPressure.set(false);
            await(() -> handled.size() == 1, "record handled after resume");
            assertEquals(List.of("held"), handled);
            assertFalse(loop.isPaused());

            loop.pause();
            await(loop::isPaused, "manual pause");
            loop.resume();
            await(() -> !loop.isPaused(), "manual resume");
        }
    }

    @Test
    void closeStopsTheThreadAndReportsStopped() throws Exception {
        var loop = loop((r, l) -> CompletableFuture.completedFuture(null)).start();
        awaitPolls(1);
        assertTrue(loop.isRunning());
        loop.close();
        assertFalse(loop.isRunning());
        assertTrue(consumer.closed());
        assertEquals("stopped", loop.health().detail());
        assertTrue(loop.failure().isEmpty());
    }

    private ConsumerLoop failingDeadLetters(MockProducer<byte[], byte[]> failing) {
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(TP));
            consumer.updateBeginningOffsets(Map.of(TP, 0L));
        });
        return ConsumerLoop.builder()
                .consumer(consumer)
                .topics(TOPIC)
                .processor((r, l) -> {
                    if (new String(r.value(), UTF_8).equals("bad")) {
                        throw new IllegalArgumentException("undecodable");
                    }
                    handled.add(new String(r.value(), UTF_8));
                    return CompletableFuture.completedFuture(null);
                })
                .deadLetters(new DeadLetterPublisher(failing, registry, "dlq"))
                .service("svc")
                .registry(registry)
                .pollTimeout(Duration.ofMillis(10))
                .start();
    }

    @Test
    void aDeadLetterThatFailsTransientlyIsSentAgainBeforeTheOffsetMoves() throws Exception {
        var failing = new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
        try (var loop = failingDeadLetters(failing)) {
            awaitPolls(1);
            consumer.schedulePollTask(() -> consumer.addRecord(record(0, "bad")));
            await(() -> failing.history().size() == 1, "dead letter attempted");
            failing.errorNext(new org.apache.kafka.common.errors.TimeoutException("broker gone"));
            await(() -> failing.history().size() == 2, "dead letter sent again");
            assertEquals(-1, committed(), "not committed while the dead letter is not written");
            failing.completeNext();
            await(() -> committed() == 1, "committed once the second attempt is acknowledged");
            assertTrue(loop.isRunning());
            assertEquals(0, loop.lostDeadLetters());
        }
    }

    @Test
    void aDeadLetterThatCanNeverBeWrittenIsRecordedAndTheLoopGoesOn() throws Exception {
        var failing = new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
        try (var loop = failingDeadLetters(failing)) {
            awaitPolls(1);
            consumer.schedulePollTask(() -> {
                consumer.addRecord(record(0, "bad"));
                consumer.addRecord(record(1, "good"));
            });
            await(() -> failing.history().size() == 1, "dead letter attempted");
            failing.errorNext(new RecordTooLargeException("dead letter over max.request.size"));
            await(() -> committed() == 2, "both records committed");
            assertTrue(loop.isRunning(), "one record never stops the loop");
            assertEquals(
                    io.prefstream.platform.metrics.HealthStatus.State.DEGRADED,
                    loop.health().state());
            assertTrue(loop.health().detail().contains("in-0@0"), loop.health().detail());
            assertEquals(List.of("good"), handled);
            assertEquals(1, loop.lostDeadLetters());
            assertEquals(1, failing.history().size(), "a permanent failure is not retried");
            assertEquals(
                    1.0,
                    registry.get(ConsumerLoop.LOST_DEAD_LETTERS_COUNTER)
                            .counter()
                            .count());
        }
    }
}
