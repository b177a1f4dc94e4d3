package io.prefstream.labeler.join;

import static io.prefstream.labeler.TestData.judgement;
import static io.prefstream.labeler.TestData.rollout;
import static io.prefstream.labeler.TestData.scores;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.prefstream.labeler.LabelerConfig;
import io.prefstream.labeler.TestData;
import io.prefstream.platform.deadletter.DeadLetter;
import io.prefstream.schemas.EmitReason;
import io.prefstream.schemas.IndexPair;
import io.prefstream.schemas.KindScores;
import io.prefstream.schemas.Label;
import io.prefstream.schemas.LabelKind;
import io.prefstream.schemas.LabelRequest;
import io.prefstream.schemas.LabeledRollout;
import io.prefstream.schemas.PairTally;
import io.prefstream.schemas.Rollout;
import io.prefstream.schemas.Verdict;
import io.prefstream.schemas.registry.SchemaRegistries;
import io.prefstream.schemas.registry.SchemaRegistryClient;
import io.prefstream.schemas.serde.AvroDecoder;
import io.prefstream.schemas.serde.AvroEncoder;
import io.prefstream.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelJoinTopologyTest {

    private static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private SchemaRegistryClient registry;
    private JoinMetrics metrics;
    private TestInputTopic<byte[], byte[]> rolloutsIn;
    private TestInputTopic<byte[], byte[]> labelsIn;
    private TestOutputTopic<byte[], byte[]> preferences;
    private TestOutputTopic<byte[], byte[]> requests;
    private TestOutputTopic<byte[], byte[]> deadLetters;

    private void start(Map<String, String> overrides) {
        String scope = "join-test-" + System.nanoTime();
        var all = new HashMap<>(overrides);
        all.put("schema.registry.url", "mock://" + scope);
        all.putIfAbsent("join.timeout-ms", "10000");
        all.putIfAbsent("join.orphan-timeout-ms", "5000");
        all.putIfAbsent("join.punctuate-ms", "100");
        LabelerConfig config = TestData.config(all);
        registry = SchemaRegistries.mockScope(scope);
        metrics = new JoinMetrics(new SimpleMeterRegistry());
        var props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, LabelerConfig.JOIN_APPLICATION_ID);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        driver = new TopologyTestDriver(
                LabelJoinTopology.build(config, registry, metrics), props, Instant.ofEpochMilli(T0));
        var bytes = new ByteArraySerializer();
        rolloutsIn = driver.createInputTopic(Topics.ROLLOUTS.name(), bytes, bytes);
        labelsIn = driver.createInputTopic(Topics.LABELS.name(), bytes, bytes);
        var raw = new ByteArrayDeserializer();
        preferences = driver.createOutputTopic(Topics.PREFERENCES.name(), raw, raw);
        requests = driver.createOutputTopic(Topics.LABEL_REQUESTS.name(), raw, raw);
        deadLetters = driver.createOutputTopic(Topics.DEAD_LETTERS.name(), raw, raw);
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    private void send(Rollout r) {
        rolloutsIn.pipeInput(
                r.getPrompt().getId().getBytes(StandardCharsets.UTF_8),
                new AvroEncoder<Rollout>(registry).encode(Topics.ROLLOUTS.name(), r));
    }

    private void send(Label l) {
        labelsIn.pipeInput(
                l.getRolloutId().getBytes(StandardCharsets.UTF_8),
                new AvroEncoder<Label>(registry).encode(Topics.LABELS.name(), l));
    }

    private List<LabeledRollout> emitted() {
        var decoder = new AvroDecoder<>(LabeledRollout.class, registry);
        return preferences.readValuesToList().stream()
                .map(v -> decoder.decode(Topics.PREFERENCES.name(), v))
                .toList();
    }

    private List<LabelRequest> requested() {
        var decoder = new AvroDecoder<>(LabelRequest.class, registry);
        return requests.readValuesToList().stream()
                .map(v -> decoder.decode(Topics.LABEL_REQUESTS.name(), v))
                .toList();
    }

    private List<DeadLetter> deadLettered() {
        return deadLetters.readRecordsToList().stream()
                .map(LabelJoinTopologyTest::asDeadLetter)
                .toList();
    }

    private static DeadLetter asDeadLetter(TestRecord<byte[], byte[]> r) {
        return DeadLetter.from(new ConsumerRecord<>(
                Topics.DEAD_LETTERS.name(),
                0,
                0L,
                r.timestamp(),
                TimestampType.CREATE_TIME,
                -1,
                -1,
                r.key(),
                r.value(),
                r.headers(),
                Optional.empty()));
    }

    private static double[] means(LabeledRollout out, LabelKind kind) {
        return out.getSummary().getScores().stream()
                .filter(s -> s.getKind() == kind)
                .findFirst()
                .map(KindScores::getMeanScores)
                .orElseThrow()
                .stream()
                .mapToDouble(Double::doubleValue)
                .toArray();
    }

    @Test
    void averagesSeveralLabelsPerKindAndEmitsWhenEveryRequiredKindArrived() {
        start(Map.of("join.required-kinds", "RULE,REWARD_MODEL"));
        send(rollout("r1", "2+2=", "4", "5", "44"));
        send(scores("rm-a-r1", "r1", LabelKind.REWARD_MODEL, "rm-a", 0.2, 0.8, 0.4));
        send(scores("rm-b-r1", "r1", LabelKind.REWARD_MODEL, "rm-b", 0.4, 0.6, 0.0));
        assertTrue(preferences.isEmpty(), "RULE is still missing");
        send(scores("rule-r1", "r1", LabelKind.RULE, "rule:arithmetic", 1.0, 0.5, 0.0));

        var out = emitted();
        assertEquals(1, out.size());
        var lr = out.get(0);
        assertEquals("r1", lr.getRollout().getId());
        assertEquals(EmitReason.POLICY_MET, lr.getEmittedReason());
        assertEquals(3, lr.getLabelCount());
        assertEquals(List.of("rm-a-r1", "rm-b-r1", "rule-r1"), lr.getSummary().getLabelIds());
        assertArrayEquals3(new double[] {0.3, 0.7, 0.2}, means(lr, LabelKind.REWARD_MODEL));
        assertArrayEquals3(new double[] {1.0, 0.5, 0.0}, means(lr, LabelKind.RULE));
        // machine score = mean of kind means = (0.65, 0.6, 0.1): best 0, worst 2, margin 0.55
        assertEquals(1, lr.getPairs().size());
        IndexPair pair = lr.getPairs().get(0);
        assertEquals(0, pair.getChosenIndex());
        assertEquals(2, pair.getRejectedIndex());
        assertEquals(LabelAggregation.BEST_VS_WORST, pair.getSource());
        assertEquals(0.55, pair.getMargin(), 1e-12);
        assertEquals(T0, lr.getEmittedAtMs());
        assertEquals(1.0, metrics.count("prefstream.join.emitted", "reason", "POLICY_MET"));
    }

    @Test
    void duplicateLabelsAndRolloutsChangeNothing() {
        start(Map.of("join.required-kinds", "RULE,REWARD_MODEL"));
        var r = rollout("r2", "1+1=", "2", "3");
        send(r);
        var rm = scores("rm-r2", "r2", LabelKind.REWARD_MODEL, "rm-a", 0.9, 0.1);
        send(rm);
        send(rm); // redelivery: same label_id
        send(scores("rm-r2-again", "r2", LabelKind.REWARD_MODEL, "rm-a", 0.0, 5.0)); // same labeler, new id
        send(r); // duplicate rollout
        send(scores("rule-r2", "r2", LabelKind.RULE, "rule:arithmetic", 1.0, 0.0));
        send(rm); // redelivery after emission: a duplicate, not a late label
        send(r); // duplicate rollout after emission

        var out = emitted();
        assertEquals(1, out.size());
        assertEquals(2, out.get(0).getLabelCount());
        assertArrayEquals3(new double[] {0.9, 0.1}, means(out.get(0), LabelKind.REWARD_MODEL));
        assertTrue(deadLetters.isEmpty());
        assertEquals(3.0, metrics.count("prefstream.join.labels.duplicate"));
        assertEquals(2.0, metrics.count("prefstream.join.rollouts.duplicate"));
    }

    @Test
    void routedRolloutWaitsForHumansThenFallsBackToTheMachineLabelAtTimeout() {
        start(Map.of("join.required-kinds", "RULE", "labeler.human.route", "all", "join.timeout-ms", "10000"));
        send(rollout("r3", "3+4=", "7", "8", "17"));
        send(scores("rule-r3", "r3", LabelKind.RULE, "rule:arithmetic", 1.0, 0.25, -0.1));

        var reqs = requested();
        assertEquals(1, reqs.size());
        var req = reqs.get(0);
        assertEquals(HumanRouting.requestId("r3"), req.getRequestId());
        assertEquals("r3", req.getRolloutId());
        assertEquals("3+4=", req.getPromptText());
        assertEquals(LabelKind.HUMAN, req.getRequestedKind());
        assertEquals(2, req.getCandidates().size());
        int[] pair = HumanRouting.randomPair("r3", 3);
        assertEquals(pair[0], req.getCandidates().get(0).getIndex());
        assertEquals(pair[1], req.getCandidates().get(1).getIndex());
        assertEquals(
                List.of("7", "8", "17").get(pair[0]), req.getCandidates().get(0).getText());
        assertEquals(T0 + 10_000, req.getDeadlineMs());
        assertTrue(preferences.isEmpty(), "a routed rollout waits for its human vote");

        driver.advanceWallClockTime(Duration.ofMillis(9_000));
        assertTrue(preferences.isEmpty(), "not yet timed out");
        driver.advanceWallClockTime(Duration.ofMillis(1_100));
        var out = emitted();
        assertEquals(1, out.size());
        assertEquals(EmitReason.TIMEOUT_FALLBACK, out.get(0).getEmittedReason());
        assertEquals(1, out.get(0).getLabelCount());
        assertEquals(
                List.of(new IndexPair(0, 2, LabelAggregation.BEST_VS_WORST, 1.1)),
                out.get(0).getPairs());
        assertEquals(T0 + 10_100, out.get(0).getEmittedAtMs());
    }

    @Test
    void humanVotesAreTalliedByPluralityWithTiesKept() {
        start(Map.of(
                "join.required-kinds",
                "RULE",
                "labeler.human.route",
                "all",
                "labeler.human.votes",
                "3",
                "join.min-human-votes",
                "3"));
        send(rollout("r4", "5+5=", "10", "11"));
        send(scores("rule-r4", "r4", LabelKind.RULE, "rule:arithmetic", 1.0, 0.5));
        send(judgement("h1", "r4", LabelKind.HUMAN, "alice", 1, 0, Verdict.PREFERENCE));
        send(judgement("h2", "r4", LabelKind.HUMAN, "bob", 1, 0, Verdict.PREFERENCE));
        assertTrue(preferences.isEmpty(), "2 of 3 votes");
        send(judgement("h3", "r4", LabelKind.HUMAN, "carol", 0, 1, Verdict.TIE));
        var lr = emitted().get(0);
        assertEquals(EmitReason.POLICY_MET, lr.getEmittedReason());
        assertEquals(
                List.of(new PairTally(LabelKind.HUMAN, 0, 1, 0, 2, 1, 0)),
                lr.getSummary().getVotes());
        assertEquals(
                List.of(new IndexPair(0, 1, LabelAggregation.BEST_VS_WORST, 0.5), new IndexPair(1, 0, "HUMAN", 2.0)),
                lr.getPairs());

        // A 1-1 split keeps the tally and derives no human pair.
        send(rollout("r5", "5+6=", "11", "12"));
        send(scores("rule-r5", "r5", LabelKind.RULE, "rule:arithmetic", 0.5, 0.5));
        send(judgement("h4", "r5", LabelKind.HUMAN, "alice", 1, 0, Verdict.PREFERENCE));
        send(judgement("h5", "r5", LabelKind.HUMAN, "bob", 0, 1, Verdict.PREFERENCE));
        send(judgement("h6", "r5", LabelKind.HUMAN, "carol", 0, 1, Verdict.BOTH_BAD));
        var tied = emitted().get(0);
        assertEquals(
                List.of(new PairTally(LabelKind.HUMAN, 0, 1, 1, 1, 0, 1)),
                tied.getSummary().getVotes());
        assertEquals(List.of(), tied.getPairs(), "machine scores tie and human votes split: no pair");
    }

    @Test
    void lateLabelsAreDeadLetteredWithTheirSourceCoordinates() {
        start(Map.of());
        send(rollout("r6", "1+2=", "3", "4"));
        send(scores("rule-r6", "r6", LabelKind.RULE, "rule:arithmetic", 1.0, 0.0));
        assertEquals(1, emitted().size());
        send(scores("rm-r6", "r6", LabelKind.REWARD_MODEL, "rm", 0.3, 0.1));

        var dead = deadLettered();
        assertEquals(1, dead.size());
        assertEquals("late-label", dead.get(0).reason());
        assertEquals(Topics.LABELS.name(), dead.get(0).sourceTopic());
        assertEquals(0, dead.get(0).sourcePartition());
        assertEquals(1L, dead.get(0).sourceOffset(), "second record of the labels topic");
        assertEquals("r6", new String(dead.get(0).key(), StandardCharsets.UTF_8));
        assertTrue(dead.get(0).exceptionMessage().contains("after rollout r6 was emitted"));
        assertEquals(1.0, metrics.count("prefstream.join.labels.rejected", "reason", "late-label"));
    }

    @Test
    void labelsBeforeTheirRolloutAreHeldWithinTheGraceAndDeadLetteredAsOrphansAfterIt() {
        start(Map.of("join.orphan-timeout-ms", "5000"));
        send(scores("rule-r7", "r7", LabelKind.RULE, "rule:arithmetic", 0.0, 1.0));
        send(scores("rule-r8", "r8", LabelKind.RULE, "rule:arithmetic", 0.0, 1.0));
        driver.advanceWallClockTime(Duration.ofMillis(3_000));
        send(rollout("r7", "2+3=", "6", "5"));
        var out = emitted();
        assertEquals(1, out.size(), "the held label meets its rollout within the grace");
        assertEquals(
                List.of(new IndexPair(1, 0, LabelAggregation.BEST_VS_WORST, 1.0)),
                out.get(0).getPairs());
        assertTrue(deadLetters.isEmpty());

        driver.advanceWallClockTime(Duration.ofMillis(2_100));
        var dead = deadLettered();
        assertEquals(1, dead.size());
        assertEquals("orphan-label", dead.get(0).reason());
        assertEquals(1L, dead.get(0).sourceOffset());
        assertEquals(1.0, metrics.count("prefstream.join.labels.rejected", "reason", "orphan-label"));
        // The rollout arriving after its labels were dead-lettered waits for new labels.
        send(rollout("r8", "2+4=", "6", "7"));
        assertTrue(preferences.isEmpty());
    }

    @Test
    void undecodableAndInvalidRecordsAreDeadLetteredAndProcessingGoesOn() {
        start(Map.of());
        labelsIn.pipeInput("x".getBytes(StandardCharsets.UTF_8), new byte[] {0, 0, 0, 0, 42, 1, 2});
        rolloutsIn.pipeInput("p".getBytes(StandardCharsets.UTF_8), "not avro".getBytes(StandardCharsets.UTF_8));
        send(rollout("r9", "4+4=", "8", "9", "10"));
        send(scores("rule-r9-bad", "r9", LabelKind.RULE, "other-rule", 1.0, 0.0)); // 2 scores for 3 completions
        send(scores("rule-r9", "r9", LabelKind.RULE, "rule:arithmetic", 1.0, 0.0, 0.5));

        var dead = deadLettered();
        assertEquals(3, dead.size());
        assertEquals("undecodable", dead.get(0).reason());
        assertEquals(Topics.LABELS.name(), dead.get(0).sourceTopic());
        assertEquals(0L, dead.get(0).sourceOffset());
        assertEquals("undecodable", dead.get(1).reason());
        assertEquals(Topics.ROLLOUTS.name(), dead.get(1).sourceTopic());
        assertEquals("not avro", new String(dead.get(1).value(), StandardCharsets.UTF_8));
        assertEquals("invalid-label", dead.get(2).reason());
        assertTrue(
                dead.get(2).exceptionMessage().contains("has 2 scores, expected one per completion (3)"),
                dead.get(2).exceptionMessage());
        assertEquals(1, emitted().size(), "the valid rollout and label still join");
    }

    @Test
    void uncertainRoutingAsksHumansOnlyWhenTheTopTwoAreClose() {
        start(Map.of("labeler.human.route", "uncertain", "labeler.human.margin", "0.1"));
        send(rollout("close", "1+5=", "6", "7", "16"));
        send(scores("rule-close", "close", LabelKind.RULE, "rule:arithmetic", 0.5, 0.45, 0.0));
        send(rollout("clear", "1+6=", "7", "8", "17"));
        send(scores("rule-clear", "clear", LabelKind.RULE, "rule:arithmetic", 1.0, 0.5, 0.0));

        var reqs = requested();
        assertEquals(1, reqs.size());
        assertEquals("close", reqs.get(0).getRolloutId());
        assertEquals(
                List.of(0, 1),
                reqs.get(0).getCandidates().stream().map(c -> c.getIndex()).toList());
        var out = emitted();
        assertEquals(1, out.size());
        assertEquals("clear", out.get(0).getRollout().getId(), "the clear rollout needs no human");

        send(judgement("h-close", "close", LabelKind.HUMAN, "alice", 1, 0, Verdict.PREFERENCE));
        var close = emitted();
        assertEquals(1, close.size());
        assertEquals(
                List.of(new IndexPair(0, 2, LabelAggregation.BEST_VS_WORST, 0.5), new IndexPair(1, 0, "HUMAN", 1.0)),
                close.get(0).getPairs());
    }

    @Test
    void peopleAreOnlyAskedAboutDifferentTextsAndIdenticalCompletionsAreATieRecordedAtOnce() {
        start(Map.of(
                "join.required-kinds",
                "RULE",
                "labeler.human.route",
                "all",
                "labeler.human.votes",
                "2",
                "join.min-human-votes",
                "2"));
        // The seeded random pair of "dup" is two of the "91"s; the request must compare 91 with 19.
        String id = java.util.stream.IntStream.range(0, 100)
                .mapToObj(n -> "dup-" + n)
                .filter(r -> java.util.Arrays.equals(HumanRouting.randomPair(r, 3), new int[] {0, 1}))
                .findFirst()
                .orElseThrow();
        send(rollout(id, "72+19=", "91", "91", "19"));
        send(scores("rule-" + id, id, LabelKind.RULE, "rule:arithmetic", 1.0, 1.0, 0.0));
        var reqs = requested();
        assertEquals(1, reqs.size());
        var texts = reqs.get(0).getCandidates().stream().map(c -> c.getText()).toList();
        assertEquals(2, java.util.Set.copyOf(texts).size(), "two different texts: " + texts);
        assertTrue(texts.contains("19"), texts.toString());

        send(rollout("same", "45+46=", "91", "91", "91"));
        send(scores("rule-same", "same", LabelKind.RULE, "rule:arithmetic", 1.0, 1.0, 1.0));
        assertTrue(requested().isEmpty(), "nobody is asked to compare 91 with 91");
        var out = emitted();
        assertEquals(1, out.size(), "emitted at once, not at the timeout");
        var lr = out.get(0);
        assertEquals("same", lr.getRollout().getId());
        assertEquals(EmitReason.POLICY_MET, lr.getEmittedReason());
        assertEquals(2, lr.getLabelCount());
        assertEquals(
                List.of(new PairTally(LabelKind.HUMAN, 0, 1, 0, 0, 1, 0)),
                lr.getSummary().getVotes());
        assertEquals(List.of(), lr.getPairs(), "a tie teaches nothing");
        assertEquals(1.0, metrics.count("prefstream.join.identical.ties"));
    }

    private static void assertArrayEquals3(double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-12, "index " + i);
        }
    }
}
