package io.prefstream.labeler.machine;

import static io.prefstream.labeler.TestData.rollout;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.prefstream.labeler.LabelerConfig;
import io.prefstream.platform.consumer.ConsumerLoop;
import io.prefstream.platform.deadletter.DeadLetterHeaders;
import io.prefstream.platform.deadletter.DeadLetterPublisher;
import io.prefstream.platform.kafka.TopicProducer;
import io.prefstream.schemas.Rollout;
import io.prefstream.schemas.registry.SchemaRegistries;
import io.prefstream.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RemoteRewardModelLabelerTest {

    private final RewardStub stub = new RewardStub();

    @AfterEach
    void stop() {
        stub.close();
    }

    private LabelerConfig.Remote config(int attempts, int breakerFailures, long timeoutMs) {
        return new LabelerConfig.Remote(
                stub.url(),
                Duration.ofMillis(timeoutMs),
                attempts,
                Duration.ofMillis(10),
                Duration.ofMillis(40),
                breakerFailures,
                Duration.ofSeconds(30),
                "rewards",
                "answer");
    }

    private static Rollout withAnswer(Rollout r, String answer) {
        r.getPrompt().setMetadata(Map.of("answer", answer));
        return r;
    }

    @Test
    void scoresABatchInOneCallFollowingTheOpenRlhfConvention() {
        var labeler = new RemoteRewardModelLabeler(config(3, 5, 2_000));
        var outcomes = labeler.score(
                List.of(withAnswer(rollout("a", "1+2=", "3", "33"), "3"), rollout("b", "10+1=", "11", "1", "111")));

        assertEquals(1, stub.requests().size(), "one POST per batch");
        var request = stub.requests().get(0);
        assertEquals(
                "[\"1+2=3\",\"1+2=33\",\"10+1=11\",\"10+1=1\",\"10+1=111\"]",
                request.get("query").toString());
        assertEquals(
                "[\"1+2=\",\"1+2=\",\"10+1=\",\"10+1=\",\"10+1=\"]",
                request.get("prompts").toString());
        assertEquals("[\"3\",\"3\",\"\",\"\",\"\"]", request.get("labels").toString());
        assertArrayEquals(new double[] {5, 6}, outcomes.get(0).scores());
        assertArrayEquals(new double[] {7, 6, 8}, outcomes.get(1).scores());
        assertEquals("remote:127.0.0.1:" + stub.url().getPort(), labeler.labelerId(rollout("x", "1+1=", "2")));
    }

    @Test
    void retriesAfterServerErrorsAndTimeoutsThenSucceeds() {
        stub.then(RewardStub.status(503)).then(RewardStub.slow(3_000));
        var labeler = new RemoteRewardModelLabeler(config(3, 5, 1_000));
        var outcomes = labeler.score(List.of(rollout("a", "1+2=", "3", "4")));

        assertEquals(3, stub.requests().size(), "503, then a timeout, then success");
        assertArrayEquals(new double[] {5, 5}, outcomes.get(0).scores());
        assertEquals(CircuitBreaker.State.CLOSED, labeler.breaker().state());
        assertEquals(Duration.ofMillis(10), labeler.backoff(1));
        assertEquals(Duration.ofMillis(20), labeler.backoff(2));
        assertEquals(Duration.ofMillis(40), labeler.backoff(3), "capped at max-backoff");
        assertEquals(Duration.ofMillis(40), labeler.backoff(9));
    }

    @Test
    void malformedResponsesFailTheBatchInsteadOfBecomingScores() {
        var labeler = new RemoteRewardModelLabeler(config(3, 50, 2_000));
        stub.then(RewardStub.body("{\"rewards\":[1.0]}"))
                .then(RewardStub.body("{\"rewards\":[1.0,\"high\"]}"))
                .then(RewardStub.body("{\"scores\":[1.0,2.0]}"))
                .then(RewardStub.status(400));
        var r = List.of(rollout("a", "1+2=", "3", "4"));
        assertFailure(
                labeler.score(r).get(0), LabelingException.REMOTE_BAD_RESPONSE, "2 rewards (one per query), found 1");
        assertFailure(labeler.score(r).get(0), LabelingException.REMOTE_BAD_RESPONSE, "finite numbers, found \"high\"");
        assertFailure(labeler.score(r).get(0), LabelingException.REMOTE_BAD_RESPONSE, "an array 'rewards'");
        assertFailure(labeler.score(r).get(0), LabelingException.REMOTE_REJECTED, "HTTP 400");
        assertEquals(4, stub.requests().size(), "protocol errors are not retried");
    }

    @Test
    void circuitBreakerOpensAfterConsecutiveFailuresAndProbesAfterTheWait() {
        stub.always(RewardStub.status(500));
        var clock = new AtomicLong(1_000);
        var labeler = new RemoteRewardModelLabeler(
                new LabelerConfig.Remote(
                        stub.url(),
                        Duration.ofSeconds(2),
                        2,
                        Duration.ofMillis(1),
                        Duration.ofMillis(1),
                        3,
                        Duration.ofSeconds(30),
                        "rewards",
                        "answer"),
                clock::get);
        var batch = List.of(rollout("a", "1+2=", "3", "4"));

        assertFailure(labeler.score(batch).get(0), LabelingException.REMOTE_UNAVAILABLE, "failed 2 attempts");
        assertFalse(labeler.unavailable());
        assertFailure(labeler.score(batch).get(0), LabelingException.CIRCUIT_OPEN, "HTTP 500");
        assertEquals(3, stub.requests().size(), "the third failed call opened the breaker");
        assertTrue(labeler.unavailable());
        assertFailure(labeler.score(batch).get(0), LabelingException.CIRCUIT_OPEN, "circuit breaker open");
        assertEquals(3, stub.requests().size(), "an open breaker does not call the endpoint");

        clock.addAndGet(30_000);
        assertFalse(labeler.unavailable(), "the wait is over: the next call is a probe");
        stub.always(RewardStub.lengths());
        assertArrayEquals(new double[] {5, 5}, labeler.score(batch).get(0).scores());
        assertEquals(4, stub.requests().size());
        assertEquals(CircuitBreaker.State.CLOSED, labeler.breaker().state());
        assertEquals(1, labeler.breaker().timesOpened());
    }

    @Test
    void persistentFailureDeadLettersTheRolloutAndWritesNoLabel() throws Exception {
        stub.always(RewardStub.status(502));
        String scope = "remote-test-" + System.nanoTime();
        var registry = SchemaRegistries.mockScope(scope);
        var tp = new TopicPartition(Topics.ROLLOUTS.name(), 0);
        var consumer = new MockConsumer<byte[], byte[]>("earliest");
        byte[] value = Topics.ROLLOUTS.codec(registry).encode(rollout("r1", "2+2=", "4", "5"));
        consumer.schedulePollTask(() -> {
            consumer.updateBeginningOffsets(Map.of(tp, 0L));
            consumer.rebalance(List.of(tp));
            consumer.addRecord(new ConsumerRecord<>(tp.topic(), 0, 0L, "p-r1".getBytes(StandardCharsets.UTF_8), value));
        });
        var labels = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        var dlq = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        var meters = new SimpleMeterRegistry();
        try (var loop = new MachineLabelingLoop(
                new RemoteRewardModelLabeler(config(2, 10, 1_000)),
                8,
                Duration.ofMillis(5),
                ConsumerLoop.builder().consumer(consumer).deadLetters(new DeadLetterPublisher(dlq, meters)),
                new TopicProducer(labels, registry),
                meters)) {
            loop.start();
            long deadline = System.currentTimeMillis() + 10_000;
            while (loop.commits() < 1 && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(1, loop.commits(), "the batch is committed once its dead letter is acknowledged");
        }
        assertEquals(2, stub.requests().size());
        assertEquals(List.of(), labels.history(), "no label, in particular no zero scores");
        assertEquals(1, dlq.history().size());
        var dead = dlq.history().get(0);
        assertEquals(Topics.DEAD_LETTERS.name(), dead.topic());
        assertEquals(LabelingException.REMOTE_UNAVAILABLE, header(dead.headers(), DeadLetterHeaders.REASON));
        assertEquals(Topics.ROLLOUTS.name(), header(dead.headers(), DeadLetterHeaders.SOURCE_TOPIC));
        assertEquals("0", header(dead.headers(), DeadLetterHeaders.SOURCE_OFFSET));
        assertTrue(header(dead.headers(), DeadLetterHeaders.EXCEPTION_MESSAGE).contains("HTTP 502"));
        assertArrayEquals(value, dead.value(), "the original bytes are kept");
        assertEquals(
                0.0,
                meters.get(MachineLabelingLoop.LABELS_COUNTER)
                        .tag("kind", "REMOTE_RM")
                        .counter()
                        .count(),
                "no label was counted");
    }

    private static String header(org.apache.kafka.common.header.Headers headers, String name) {
        return new String(headers.lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static void assertFailure(MachineLabeler.Outcome outcome, String reason, String messagePart) {
        assertNull(outcome.scores(), "no scores on failure");
        assertEquals(reason, outcome.failure().reason(), outcome.failure().getMessage());
        assertTrue(
                outcome.failure().getMessage().contains(messagePart),
                outcome.failure().getMessage());
    }
}
