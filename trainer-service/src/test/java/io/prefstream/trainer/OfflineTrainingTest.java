package io.prefstream.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prefstream.model.DeviceSetting;
import io.prefstream.model.checkpoint.Checkpoints;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.platform.config.CommonConfig;
import io.prefstream.platform.deadletter.DeadLetter;
import io.prefstream.platform.kafka.KafkaClients;
import io.prefstream.platform.testing.EmbeddedKafkaExtension;
import io.prefstream.platform.testing.TestNames;
import io.prefstream.schemas.MetricsKind;
import io.prefstream.schemas.PolicyUpdate;
import io.prefstream.schemas.PreferencePair;
import io.prefstream.schemas.TrainerMetrics;
import io.prefstream.schemas.registry.SchemaRegistries;
import io.prefstream.schemas.registry.SchemaRegistryClient;
import io.prefstream.schemas.topics.Topics;
import io.prefstream.trainer.loop.CheckpointEvent;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Offline-only DPO through the whole service on a broker of its own: the batcher samples the
 * offline set, the loop trains, checkpoints and publishes; then a restart resumes the checkpoint
 * and the batcher's sequence numbers from its changelog.
 */
class OfflineTrainingTest {

    @RegisterExtension
    static EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.perClass();

    @TempDir
    static Path dataDir;

    private static String scope;
    private static SchemaRegistryClient registry;

    @BeforeAll
    static void registry() {
        scope = TestNames.unique("offline");
        registry = SchemaRegistries.mockScope(scope);
    }

    @AfterAll
    static void dropRegistry() {
        SchemaRegistries.dropScope(scope);
    }

    private static List<PreferencePair> pairs(int n) {
        var rng = new SplittableRandom(11);
        var out = new ArrayList<PreferencePair>();
        for (int i = 0; i < n; i++) {
            int a = rng.nextInt(50);
            int b = rng.nextInt(50);
            out.add(TestRecords.pair(
                    "pair-" + i,
                    a + "+" + b + "=",
                    Integer.toString(a + b),
                    Integer.toString(a + b + 1 + rng.nextInt(9))));
        }
        return out;
    }

    @Test
    void offlineDpoImprovesImplicitRewardAccuracyPublishesVerifiableCheckpointsAndResumes() throws Exception {
        String policy = TestNames.unique("offline-policy");
        Map<String, String> settings = Map.of(
                "trainer.policy-name",
                policy,
                "trainer.objective",
                "dpo",
                "batcher.online-fraction",
                "0",
                "batcher.batch-size",
                "16",
                "trainer.max-steps",
                "50",
                "trainer.checkpoint-every",
                "10",
                "batcher.max-ahead",
                "16",
                "trainer.lr",
                "1e-2",
                "trainer.eval-every",
                "0",
                "trainer.eval-prompts",
                "16");
        TrainerConfig config =
                TrainerTestSupport.config(kafka.bootstrapServers(), "mock://" + scope, dataDir, settings);
        String refSha = TrainerTestSupport.saveReference(dataDir.resolve("reference"), 5);
        var clients = new KafkaClients(CommonConfig.local(kafka.bootstrapServers(), dataDir));
        List<PreferencePair> data = pairs(32);
        try (var admin = clients.admin()) {
            io.prefstream.platform.topics.TopicProvisioner.from(admin, config.common())
                    .ensureAll();
        }
        TrainerTestSupport.produce(clients, registry, Topics.OFFLINE_PREFERENCES.name(), data, PreferencePair::getId);
        TrainerTestSupport.produceRaw(
                clients, Topics.OFFLINE_PREFERENCES.name(), "junk".getBytes(), new byte[] {1, 2, 3});

        var segments = new CopyOnWriteArrayList<CheckpointEvent>();
        try (var service = new TrainerService(config)) {
            service.addCheckpointListener(segments::add);
            service.start();
            TrainerStatus status = service.done().get(4, TimeUnit.MINUTES);
            assertEquals(TrainerStatus.Phase.DONE, status.phase());
            assertEquals(50, status.step());
            assertEquals(5, status.policyVersion(), "v0 = pi_ref, then one version per 10-step checkpoint");
        }

        // the checkpoints' segments consume sequences 0, 1, 2, ... in order, each once; a batch the guard
        // rejected (a rare non-finite gradient at this aggressive learning rate) is consumed, not trained
        assertEquals(5, segments.size());
        List<Long> trained =
                segments.stream().flatMap(e -> e.state().segment().stream()).toList();
        List<Long> rejected = segments.stream()
                .flatMap(e -> e.state().deadLettered().stream())
                .toList();
        assertEquals(50, trained.size());
        var consumed = new ArrayList<Long>(trained);
        consumed.addAll(rejected);
        consumed.sort(null);
        assertEquals(LongStream.range(0, 50 + rejected.size()).boxed().toList(), consumed);
        assertEquals(trained.stream().sorted().toList(), trained, "trained in sequence order");
        long lastConsumed = consumed.get(consumed.size() - 1);

        // policy updates: v0..v5; the last loads and verifies with the model module
        List<PolicyUpdate> updates = TrainerTestSupport.readValues(
                clients, registry, Topics.POLICY_UPDATES.name(), PolicyUpdate.class, policy);
        assertEquals(
                List.of(0L, 1L, 2L, 3L, 4L, 5L),
                updates.stream().map(PolicyUpdate::getVersion).toList());
        assertEquals(refSha, updates.get(0).getSha256(), "version 0 is pi_ref's weights");
        PolicyUpdate last = updates.get(5);
        assertEquals(50, last.getTrainerStep());
        assertEquals(lastConsumed, last.getConsumedBatchSequence());
        Path lastDir = Path.of(URI.create(last.getCheckpointUri()));
        try (CausalLm reference = Checkpoints.loadPolicy(dataDir.resolve("reference"), DeviceSetting.AUTO.resolve());
                CausalLm policyLm = Checkpoints.loadPolicy(
                        lastDir, DeviceSetting.AUTO.resolve(), last.getSha256(), reference.config())) {
            assertEquals(0.0, TrainerTestSupport.implicitRewardAccuracy(reference, reference, data));
            double accuracy = TrainerTestSupport.implicitRewardAccuracy(policyLm, reference, data);
            // π_ref scores 0 here. Which pairs each batch samples depends on the order the 3 partitions of the
            // offline topic reach the batcher, and the NaN guard may reject a batch at this learning rate, so the
            // end point varies: 28/32 (0.875) was seen once in CI on 2026-12-04, above 0.9 in the other runs
            assertTrue(accuracy >= 0.8, "implicit-reward accuracy on the offline set after 50 steps: " + accuracy);
        }

        // metrics: one TRAIN record per step, reward accuracy rising; one final EVAL
        List<TrainerMetrics> metrics =
                TrainerTestSupport.readValues(clients, registry, Topics.METRICS.name(), TrainerMetrics.class, policy);
        List<TrainerMetrics> train =
                metrics.stream().filter(m -> m.getKind() == MetricsKind.TRAIN).toList();
        assertEquals(50, train.size());
        for (String name :
                List.of("step", "loss", "pairs_per_s", "policy_version", "reward_accuracy", "reward_margin")) {
            assertTrue(
                    train.get(49).getMetrics().containsKey(name),
                    name + " in " + train.get(49).getMetrics());
        }
        assertEquals(0.0, train.get(0).getMetrics().get("reward_accuracy"), "step 1 has pi = pi_ref: no margin");
        assertEquals(Math.log(2), train.get(0).getMetrics().get("loss"), 1e-5);
        double late = meanOf(train.subList(45, 50), "reward_accuracy");
        assertTrue(late >= 0.9, "batch reward accuracy of the last 5 steps: " + late);
        List<TrainerMetrics> eval =
                metrics.stream().filter(m -> m.getKind() == MetricsKind.EVAL).toList();
        assertEquals(1, eval.size(), "eval-every 0: only the final evaluation");
        for (String name : List.of(
                "gold_reward", "accuracy", "win_rate", "kl_seq", "kl_token", "mean_length", "step", "policy_version")) {
            assertTrue(
                    eval.get(0).getMetrics().containsKey(name),
                    name + " in " + eval.get(0).getMetrics());
        }
        assertEquals(50.0, eval.get(0).getMetrics().get("step"));

        // the undecodable offline record was dead-lettered by the batcher with its coordinates
        List<DeadLetter> letters = TrainerTestSupport.readAll(clients, Topics.DEAD_LETTERS.name()).stream()
                .map(DeadLetter::from)
                .toList();
        List<DeadLetter> dead = letters.stream()
                .filter(d -> d.sourceTopic().equals(Topics.OFFLINE_PREFERENCES.name()))
                .toList();
        assertEquals(1, dead.size());
        assertEquals("undecodable", dead.get(0).reason());
        assertArrayEquals(new byte[] {1, 2, 3}, dead.get(0).value());
        List<DeadLetter> batches = letters.stream()
                .filter(d -> d.sourceTopic().equals(Topics.TRAINING_BATCHES.name()))
                .toList();
        assertEquals(rejected.size(), batches.size(), "every rejected batch is in the dead-letter topic: " + batches);
        assertTrue(batches.stream().allMatch(d -> d.reason().startsWith("non-finite")), batches.toString());

        // retention 3, plus the published checkpoint: never more than 3 step directories
        try (Stream<Path> dirs = Files.list(config.checkpointDir())) {
            assertEquals(
                    List.of("step-000000000030", "step-000000000040", "step-000000000050"),
                    dirs.map(p -> p.getFileName().toString())
                            .filter(n -> n.startsWith("step-"))
                            .sorted()
                            .toList());
        }

        // restart with the batcher's local state wiped: the checkpoint and the changelogged sequence resume
        deleteRecursively(dataDir.resolve("streams"));
        var resumed = new CopyOnWriteArrayList<CheckpointEvent>();
        var more = new java.util.HashMap<>(settings);
        more.put("trainer.max-steps", "60");
        TrainerConfig again = TrainerTestSupport.config(kafka.bootstrapServers(), "mock://" + scope, dataDir, more);
        try (var service = new TrainerService(again)) {
            service.addCheckpointListener(resumed::add);
            service.start();
            assertEquals(50, service.status().step(), "resumed from the step-50 checkpoint");
            TrainerStatus status = service.done().get(3, TimeUnit.MINUTES);
            assertEquals(60, status.step());
            assertEquals(6, status.policyVersion());
        }
        var next = new ArrayList<Long>(resumed.get(0).state().segment());
        next.addAll(resumed.get(0).state().deadLettered());
        next.sort(null);
        assertEquals(
                lastConsumed + 1,
                next.get(0),
                "the batcher continues its sequence after a restart and the trainer resumes after its last batch");
        assertEquals(
                LongStream.range(lastConsumed + 1, lastConsumed + 1 + next.size())
                        .boxed()
                        .toList(),
                next);
    }

    private static double meanOf(List<TrainerMetrics> records, String name) {
        return records.stream()
                .mapToDouble(m -> m.getMetrics().get(name))
                .average()
                .orElseThrow();
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
