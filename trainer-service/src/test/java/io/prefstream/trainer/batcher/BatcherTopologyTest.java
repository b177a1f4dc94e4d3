package io.prefstream.trainer.batcher;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prefstream.platform.config.CommonConfig;
import io.prefstream.platform.deadletter.DeadLetter;
import io.prefstream.platform.kafka.KafkaClients;
import io.prefstream.platform.testing.TestNames;
import io.prefstream.schemas.LabeledRollout;
import io.prefstream.schemas.PreferencePair;
import io.prefstream.schemas.Rollout;
import io.prefstream.schemas.TrainingBatch;
import io.prefstream.schemas.registry.SchemaRegistries;
import io.prefstream.schemas.registry.SchemaRegistryClient;
import io.prefstream.schemas.serde.AvroDecoder;
import io.prefstream.schemas.serde.AvroEncoder;
import io.prefstream.schemas.topics.Topics;
import io.prefstream.trainer.TestRecords;
import io.prefstream.trainer.TestRecords.Sample;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatcherTopologyTest {

    private static final String POLICY = "policy";

    @TempDir
    Path stateDir;

    private String scope;
    private SchemaRegistryClient registry;
    private final List<TopologyTestDriver> drivers = new ArrayList<>();

    @BeforeEach
    void registry() {
        scope = TestNames.unique("batcher");
        registry = SchemaRegistries.mockScope(scope);
    }

    @AfterEach
    void close() {
        drivers.forEach(TopologyTestDriver::close);
        SchemaRegistries.dropScope(scope);
    }

    @Test
    void everyBatchHasTheConfiguredMixAndConsecutiveSequences() {
        var t = driver(config(4, 0.5, OnlineSource.PREFERENCES, 2, 100));
        for (int i = 0; i < 6; i++) {
            t.offline(TestRecords.pair("pair-" + i, i + "+1=", Integer.toString(i + 1), "9"));
        }
        t.update(0, null);
        for (int i = 0; i < 5; i++) {
            t.labeled(labeled("r" + i, 0));
        }
        List<TrainingBatch> batches = t.batches();
        assertEquals(2, batches.size(), "5 online records make 2 full batches of 2 online items");
        for (int b = 0; b < 2; b++) {
            TrainingBatch batch = batches.get(b);
            assertEquals(b, batch.getSequence());
            assertEquals(2, batch.getOnlineLabeled().size());
            assertEquals(2, batch.getOfflinePairs().size());
            assertEquals(0, batch.getOnlineUnlabeled().size());
            assertEquals(
                    "r" + 2 * b, batch.getOnlineLabeled().get(0).getRollout().getId(), "online data is FIFO");
            assertEquals(
                    "r" + (2 * b + 1),
                    batch.getOnlineLabeled().get(1).getRollout().getId());
            var ids =
                    batch.getOfflinePairs().stream().map(PreferencePair::getId).toList();
            assertEquals(2, new HashSet<>(ids).size(), "offline pairs within a batch are distinct: " + ids);
            assertEquals(0L, batch.getMinPolicyVersion());
            assertEquals(0L, batch.getMaxPolicyVersion());
        }
        t.labeled(labeled("r5", 0));
        List<TrainingBatch> more = t.batches();
        assertEquals(1, more.size());
        assertEquals(2, more.get(0).getSequence());
        assertEquals(
                List.of("r4", "r5"),
                more.get(0).getOnlineLabeled().stream()
                        .map(l -> l.getRollout().getId())
                        .toList());
    }

    @Test
    void pureOfflineBatchesSampleThePoolUniformlyAndReproducibly() {
        Map<String, Integer> counts = new HashMap<>();
        List<List<String>> first = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            var t = driver(config(2, 0.0, OnlineSource.PREFERENCES, 2, 1000));
            for (int i = 0; i < 4; i++) {
                t.offline(TestRecords.pair("pair-" + i, i + "+1=", Integer.toString(i + 1), "9"));
            }
            t.update(0, null);
            List<TrainingBatch> batches = t.batches();
            assertEquals(1000, batches.size(), "max-ahead bounds the batches emitted before the trainer reports");
            for (int b = 0; b < batches.size(); b++) {
                assertEquals(b, batches.get(b).getSequence());
                var ids = batches.get(b).getOfflinePairs().stream()
                        .map(PreferencePair::getId)
                        .toList();
                assertEquals(2, new HashSet<>(ids).size());
                if (run == 0) {
                    first.add(ids);
                    ids.forEach(id -> counts.merge(id, 1, Integer::sum));
                } else {
                    assertEquals(first.get(b), ids, "same seed, same pool: same samples (batch " + b + ")");
                }
            }
        }
        // 2000 draws over 4 pairs: 500 each, binomial sd ≈ 19
        counts.forEach((id, n) -> assertTrue(Math.abs(n - 500) < 80, id + " drawn " + n + " times: " + counts));
        assertEquals(4, counts.size());
    }

    @Test
    void backPressureFollowsTheTrainersReportedProgress() {
        var t = driver(config(2, 0.0, OnlineSource.PREFERENCES, 2, 3));
        t.offline(TestRecords.pair("pair-0", "1+1=", "2", "3"));
        assertEquals(0, t.batches().size(), "no batch before the first policy update");
        t.update(0, null);
        assertEquals(List.of(0L, 1L, 2L), sequences(t.batches()));
        t.update(0, 1L);
        assertEquals(List.of(3L, 4L), sequences(t.batches()), "consumed up to 1: sequences 2..4 may be pending");
        t.update(1, 0L);
        assertEquals(List.of(), sequences(t.batches()), "progress never goes backwards");
        t.legacyUpdate(2, 3L);
        assertEquals(
                List.of(5L, 6L),
                sequences(t.batches()),
                "updates written before the typed field still report progress");
    }

    @Test
    void staleOnlineRecordsGoToTheStaleTopicWithTheirOriginalBytes() {
        var t = driver(config(4, 1.0, OnlineSource.PREFERENCES, 1, 100));
        t.update(3, null);
        byte[] tooOld = t.labeled(labeled("v1", 1));
        t.labeled(labeled("v2", 2));
        t.labeled(labeled("v3", 3));
        t.labeled(labeled("v5", 5));
        List<TestRecord<byte[], byte[]>> stale = t.stale.readRecordsToList();
        assertEquals(1, stale.size());
        assertArrayEquals(tooOld, stale.get(0).value(), "the original bytes are kept");
        assertEquals("v1", new String(stale.get(0).key(), UTF_8));
        assertEquals("1", header(stale.get(0), StaleHeaders.POLICY_VERSION));
        assertEquals("3", header(stale.get(0), StaleHeaders.LATEST_VERSION));
        assertEquals("1", header(stale.get(0), StaleHeaders.MAX_STALENESS));
        assertEquals(Topics.PREFERENCES.name(), header(stale.get(0), StaleHeaders.SOURCE_TOPIC));
        assertEquals("arrival", header(stale.get(0), StaleHeaders.DETECTED_AT));
        assertEquals(0, t.batches().size(), "3 fresh records do not fill a batch of 4");

        t.update(4, null); // v2 is now 2 versions behind
        stale = t.stale.readRecordsToList();
        assertEquals(1, stale.size());
        assertEquals("v2", new String(stale.get(0).key(), UTF_8));
        assertEquals("buffer", header(stale.get(0), StaleHeaders.DETECTED_AT));

        t.labeled(labeled("v4a", 4));
        t.labeled(labeled("v4b", 4));
        List<TrainingBatch> batches = t.batches();
        assertEquals(1, batches.size());
        assertEquals(
                List.of("v3", "v5", "v4a", "v4b"),
                batches.get(0).getOnlineLabeled().stream()
                        .map(l -> l.getRollout().getId())
                        .toList());
        assertEquals(3L, batches.get(0).getMinPolicyVersion());
        assertEquals(5L, batches.get(0).getMaxPolicyVersion());
        assertEquals(0, batches.get(0).getOfflinePairs().size());
        assertEquals(
                java.util.Map.of("test", 6L),
                batches.get(0).getOnlineAccounted(),
                "accounted for: 2 routed stale + 4 in this batch, all by generator 'test'");
    }

    /** Per generator id and cumulative over batches; a stale record counts for its own generator. */
    @Test
    void batchesCarryEachGeneratorsCumulativeAccountedCount() {
        var t = driver(config(2, 1.0, OnlineSource.PREFERENCES, 1, 100));
        t.update(2, null);
        t.labeled(from("gen-a", labeled("a0", 0))); // 2 versions behind: stale on arrival
        t.labeled(from("gen-a", labeled("a1", 2)));
        t.labeled(from("gen-b", labeled("b1", 2)));
        t.labeled(from("gen-b", labeled("b2", 2)));
        t.labeled(from("gen-b", labeled("b3", 2)));
        List<TrainingBatch> batches = t.batches();
        assertEquals(2, batches.size());
        assertEquals(java.util.Map.of("gen-a", 2L, "gen-b", 1L), batches.get(0).getOnlineAccounted());
        assertEquals(java.util.Map.of("gen-a", 2L, "gen-b", 3L), batches.get(1).getOnlineAccounted());
    }

    private static LabeledRollout from(String generatorId, LabeledRollout labeled) {
        labeled.getRollout().setGeneratorId(generatorId);
        return labeled;
    }

    @Test
    void undecodableAndUnusableRecordsAreDeadLetteredAndProcessingGoesOn() {
        var t = driver(config(2, 1.0, OnlineSource.ROLLOUTS, 2, 100));
        t.update(0, null);
        byte[] garbage = {0, 0, 0, 0, 42, 1, 2, 3};
        t.onlineRaw("bad".getBytes(UTF_8), garbage);
        t.rollout(TestRecords.rollout("single", "1+1=", 0, 1.0, List.of(sample("2"))));
        t.onlineRaw("deleted".getBytes(UTF_8), null);
        t.rollout(TestRecords.rollout("g1", "1+1=", 0, 1.0, List.of(sample("2"), sample("3"))));
        t.rollout(TestRecords.rollout("g2", "2+1=", 0, 1.0, List.of(sample("3"), sample("4"))));

        List<DeadLetter> dead = t.deadLetters();
        assertEquals(3, dead.size(), "nothing is dropped silently, not even a tombstone");
        assertEquals(Topics.ROLLOUTS.name(), dead.get(0).sourceTopic());
        assertEquals(0L, dead.get(0).sourceOffset());
        assertEquals("undecodable", dead.get(0).reason());
        assertArrayEquals(garbage, dead.get(0).value());
        assertEquals(1L, dead.get(1).sourceOffset());
        assertEquals("group-too-small", dead.get(1).reason());
        assertEquals(2L, dead.get(2).sourceOffset());
        assertEquals("tombstone", dead.get(2).reason());

        List<TrainingBatch> batches = t.batches();
        assertEquals(1, batches.size(), "the good groups still make a batch");
        assertEquals(
                List.of("g1", "g2"),
                batches.get(0).getOnlineUnlabeled().stream().map(Rollout::getId).toList());
    }

    @Test
    void updatesOfOtherPoliciesAreIgnored() {
        var t = driver(config(1, 0.0, OnlineSource.PREFERENCES, 2, 100));
        t.offline(TestRecords.pair("pair-0", "1+1=", "2", "3"));
        t.updates.pipeInput(
                "other".getBytes(UTF_8), t.encode(Topics.POLICY_UPDATES.name(), TestRecords.update("other", 7, null)));
        assertEquals(0, t.batches().size(), "another policy's version says nothing about ours");
    }

    // ---- fixture -------------------------------------------------------------------------------

    private static List<Long> sequences(List<TrainingBatch> batches) {
        return batches.stream().map(TrainingBatch::getSequence).toList();
    }

    private static Sample sample(String text) {
        return new Sample(text, new int[] {1, 2}, -1.0, true);
    }

    private static LabeledRollout labeled(String id, long version) {
        return TestRecords.labeled(
                TestRecords.rollout(id, "1+1=", version, 1.0, List.of(sample("2"), sample("3"))), 1.0, 0.0);
    }

    private static String header(TestRecord<byte[], byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), UTF_8);
    }

    private BatcherConfig config(int size, double fraction, OnlineSource source, long staleness, int maxAhead) {
        return config(size, fraction, source, staleness, maxAhead, 0);
    }

    private BatcherConfig config(
            int size, double fraction, OnlineSource source, long staleness, int maxAhead, int roundSteps) {
        var common =
                new CommonConfig("localhost:9", "mock://" + scope, "test", 0, stateDir, 1, (short) 1, -1, Map.of());
        return new BatcherConfig(
                common,
                TestNames.unique("batcher-app"),
                POLICY,
                size,
                fraction,
                source,
                staleness,
                maxAhead,
                42L,
                roundSteps);
    }

    private Driver driver(BatcherConfig config) {
        var props = new KafkaClients(config.common()).streamsProperties(config.applicationId());
        var driver = new TopologyTestDriver(BatcherTopology.build(config), props);
        drivers.add(driver);
        return new Driver(driver, config.onlineSource());
    }

    /**
     * Iterative rounds of 2 batches of 2: the generator's surplus of a round (v0c) goes to the stale
     * topic when the next version is published instead of into the next round, and the next round's
     * first batch waits for that version even when old samples would fill it.
     */
    @Test
    void iterativeRoundsTrainOnlyOnTheirOwnPolicysSamples() {
        var t = driver(config(2, 1.0, OnlineSource.PREFERENCES, 2, 100, 2));
        t.update(0, null);
        for (String id : List.of("v0a", "v0b", "v0c", "v0d", "v0e", "v0f")) {
            t.labeled(labeled(id, 0));
        }
        List<TrainingBatch> first = t.batches();
        assertEquals(List.of(0L, 1L), sequences(first), "round 0 is 2 batches; batch 2 waits for version 1");
        assertEquals(
                List.of("v0a", "v0b", "v0c", "v0d"),
                first.stream()
                        .flatMap(b -> b.getOnlineLabeled().stream())
                        .map(l -> l.getRollout().getId())
                        .toList());
        t.update(5, 1L); // the round's policy: every v0 sample left is stale now, S = 0 within rounds
        List<TestRecord<byte[], byte[]>> stale = t.stale.readRecordsToList();
        assertEquals(
                List.of("v0e", "v0f"),
                stale.stream().map(r -> new String(r.key(), UTF_8)).toList());
        assertEquals("0", header(stale.get(0), StaleHeaders.MAX_STALENESS));
        t.labeled(labeled("late-v0", 0));
        assertEquals("arrival", header(t.stale.readRecordsToList().get(0), StaleHeaders.DETECTED_AT));
        t.labeled(labeled("v5a", 5));
        t.labeled(labeled("v5b", 5));
        List<TrainingBatch> second = t.batches();
        assertEquals(List.of(2L), sequences(second));
        assertEquals(5L, second.get(0).getMinPolicyVersion());
        t.labeled(labeled("v5c", 5));
        t.labeled(labeled("v5d", 5));
        t.labeled(labeled("v5e", 5));
        t.labeled(labeled("v5f", 5));
        assertEquals(List.of(3L), sequences(t.batches()), "batch 4 starts round 2 and waits for a version after 5");
        t.update(5, 3L); // progress without a new version does not open the round
        assertEquals(List.of(), sequences(t.batches()));
    }

    /** Typed access to one driver's topics. */
    private final class Driver {
        final TestInputTopic<byte[], byte[]> offline;
        final TestInputTopic<byte[], byte[]> online;
        final TestInputTopic<byte[], byte[]> updates;
        final TestOutputTopic<byte[], byte[]> batches;
        final TestOutputTopic<byte[], byte[]> stale;
        final TestOutputTopic<byte[], byte[]> dead;
        final String onlineTopic;
        private final AvroDecoder<TrainingBatch> decoder = new AvroDecoder<>(TrainingBatch.class, registry);

        Driver(TopologyTestDriver driver, OnlineSource source) {
            var ser = new ByteArraySerializer();
            var de = new ByteArrayDeserializer();
            onlineTopic = source == OnlineSource.ROLLOUTS ? Topics.ROLLOUTS.name() : Topics.PREFERENCES.name();
            offline = driver.createInputTopic(Topics.OFFLINE_PREFERENCES.name(), ser, ser);
            online = driver.createInputTopic(onlineTopic, ser, ser);
            updates = driver.createInputTopic(Topics.POLICY_UPDATES.name(), ser, ser);
            batches = driver.createOutputTopic(Topics.TRAINING_BATCHES.name(), de, de);
            stale = driver.createOutputTopic(Topics.STALE.name(), de, de);
            dead = driver.createOutputTopic(Topics.DEAD_LETTERS.name(), de, de);
        }

        <T extends org.apache.avro.specific.SpecificRecord> byte[] encode(String topic, T value) {
            return new AvroEncoder<T>(registry).encode(topic, value);
        }

        void offline(PreferencePair pair) {
            offline.pipeInput(pair.getId().getBytes(UTF_8), encode(Topics.OFFLINE_PREFERENCES.name(), pair));
        }

        byte[] labeled(LabeledRollout labeled) {
            byte[] bytes = encode(onlineTopic, labeled);
            online.pipeInput(labeled.getRollout().getId().getBytes(UTF_8), bytes);
            return bytes;
        }

        void rollout(Rollout rollout) {
            online.pipeInput(rollout.getId().getBytes(UTF_8), encode(onlineTopic, rollout));
        }

        void onlineRaw(byte[] key, byte[] value) {
            online.pipeInput(key, value);
        }

        void legacyUpdate(long version, long consumed) {
            updates.pipeInput(
                    POLICY.getBytes(UTF_8),
                    encode(Topics.POLICY_UPDATES.name(), TestRecords.legacyUpdate(POLICY, version, consumed)));
        }

        void update(long version, Long consumed) {
            updates.pipeInput(
                    POLICY.getBytes(UTF_8),
                    encode(Topics.POLICY_UPDATES.name(), TestRecords.update(POLICY, version, consumed)));
        }

        List<TrainingBatch> batches() {
            return batches.readValuesToList().stream()
                    .map(v -> decoder.decode(Topics.TRAINING_BATCHES.name(), v))
                    .toList();
        }

        List<DeadLetter> deadLetters() {
            var out = new ArrayList<DeadLetter>();
            for (TestRecord<byte[], byte[]> r : dead.readRecordsToList()) {
                var headers = new RecordHeaders(r.headers().toArray());
                out.add(DeadLetter.from(new ConsumerRecord<>(
                        Topics.DEAD_LETTERS.name(),
                        0,
                        0,
                        0L,
                        TimestampType.CREATE_TIME,
                        -1,
                        -1,
                        r.key(),
                        r.value(),
                        headers,
                        Optional.empty())));
            }
            return out;
        }
    }
}
