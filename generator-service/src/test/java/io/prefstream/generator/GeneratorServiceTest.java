package io.prefstream.generator;

import static io.prefstream.generator.GeneratorTestKit.await;
import static io.prefstream.generator.GeneratorTestKit.config;
import static io.prefstream.generator.GeneratorTestKit.prompt;
import static io.prefstream.generator.GeneratorTestKit.prompts;
import static io.prefstream.generator.GeneratorTestKit.rescore;
import static io.prefstream.generator.GeneratorTestKit.uniqueTopics;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.prefstream.generator.GeneratorStatus.State;
import io.prefstream.generator.GeneratorTestKit.Checkpoint;
import io.prefstream.model.LmConfig;
import io.prefstream.model.checkpoint.Checkpoints;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.platform.deadletter.DeadLetter;
import io.prefstream.platform.kafka.EmbeddedKafka;
import io.prefstream.platform.testing.EmbeddedKafkaExtension;
import io.prefstream.platform.testing.TestNames;
import io.prefstream.schemas.FinishReason;
import io.prefstream.schemas.Rollout;
import io.prefstream.schemas.RolloutIds;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The generator service on the embedded broker, with tiny policies saved as real checkpoints. */
@ExtendWith(EmbeddedKafkaExtension.class)
class GeneratorServiceTest {

    @TempDir
    static Path dir;

    static Checkpoint policyA;
    static Checkpoint policyB;
    static CausalLm modelA;
    static CausalLm modelB;
    static GeneratorTestKit kit;

    @BeforeAll
    static void setUp(EmbeddedKafka kafka) {
        kit = new GeneratorTestKit(kafka.bootstrapServers());
        policyA = GeneratorTestKit.checkpoint(dir.resolve("policy-a"), 1);
        policyB = GeneratorTestKit.checkpoint(dir.resolve("policy-b"), 2);
        modelA = Checkpoints.loadPolicy(policyA.dir(), Device.cpu());
        modelB = Checkpoints.loadPolicy(policyB.dir(), Device.cpu());
    }

    @AfterAll
    static void tearDown() {
        modelA.close();
        modelB.close();
        kit.close();
    }

    @Test
    void waitsForThePolicyThenSamplesKCompletionsWhoseLogProbsMatchRescoring() throws Exception {
        var topics = uniqueTopics();
        var settings = kit.baseSettings("gen-e2e");
        settings.put("metrics.port", Integer.toString(GeneratorTestKit.freePort()));
        var config = config(settings, topics);
        try (var generator = new GeneratorService(config).start()) {
            assertEquals(State.PAUSED, generator.status().state());
            assertEquals("no policy yet", generator.status().reason());
            assertEquals(-1, generator.status().policyVersion());
            var sent = prompts("e2e", 10);
            kit.sendPrompts(topics, sent);
            GeneratorTestKit.sleep(300);
            assertEquals(0, kit.rollouts(topics, 1, Duration.ofMillis(200)).size(), "sampled without a policy");

            kit.publish(topics, 0, policyA);
            List<Rollout> rollouts = kit.exactlyRollouts(topics, 10, Duration.ofMillis(300));

            assertEquals(
                    sent.stream().map(p -> p.getId()).collect(Collectors.toSet()),
                    rollouts.stream().map(r -> r.getPrompt().getId()).collect(Collectors.toSet()));
            for (Rollout r : rollouts) {
                assertEquals(0, r.getPolicyVersion());
                assertEquals("gen-e2e", r.getGeneratorId());
                assertEquals(3, r.getCompletions().size(), "K completions");
                long seed = SamplingSeeds.of(17, r.getPrompt().getId(), 0);
                assertEquals(seed, r.getSampling().getSeed());
                assertEquals(RolloutIds.of(r.getPrompt().getId(), 0, seed), r.getId());
                assertEquals(1.0, r.getSampling().getTemperature());
                assertEquals(6, r.getSampling().getMaxNewTokens());
                assertEquals(ARITH_BOS, r.getPrompt().getTokenIds().get(0).intValue());
                double[] rescored = rescore(modelA, r);
                for (int j = 0; j < 3; j++) {
                    var c = r.getCompletions().get(j);
                    assertEquals(j, c.getIndex());
                    assertEquals(c.getTokenIds().size(), c.getLength());
                    assertTrue(c.getLength() >= 1 && c.getLength() <= 6, "length " + c.getLength());
                    boolean endsWithEos = c.getTokenIds().get(c.getLength() - 1) == GeneratorTestKit.ARITH.eos();
                    assertEquals(endsWithEos ? FinishReason.EOS : FinishReason.LENGTH, c.getFinishReason());
                    if (!endsWithEos) {
                        assertEquals(6, c.getLength(), "LENGTH finish before the limit");
                    }
                    double tokenSum = c.getTokenLogprobs().stream()
                            .mapToDouble(Float::doubleValue)
                            .sum();
                    assertEquals(c.getLogprob(), tokenSum, 1e-4, "token log-probs sum to the sequence log-prob");
                    assertTrue(c.getLogprob() < 0, "log-prob " + c.getLogprob());
                    assertEquals(
                            rescored[j],
                            c.getLogprob(),
                            1e-4,
                            "behaviour log-prob of " + r.getId() + "/" + j + " vs teacher-forced rescoring");
                }
            }
            await(
                    () -> kit.committed(config.groupId()) == 10,
                    () -> "10 offsets committed, found " + kit.committed(config.groupId()));
            var status = generator.status();
            assertEquals(State.RUNNING, status.state());
            assertEquals(0, status.policyVersion());
            assertEquals(10, status.rollouts());
            assertEquals(1, status.checkpointsLoaded());
            long tokens = rollouts.stream()
                    .flatMap(r -> r.getCompletions().stream())
                    .mapToLong(c -> c.getLength())
                    .sum();
            assertEquals(tokens, status.tokens());
            assertTrue(status.tokensPerSecond() > 0, "tokens/s " + status.tokensPerSecond());

            var http = HttpClient.newHttpClient();
            URI base = URI.create("http://localhost:" + generator.metricsPort().orElseThrow());
            String metrics = http.send(
                            HttpRequest.newBuilder(base.resolve("/metrics"))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            assertTrue(metrics.contains("prefstream_generator_rollouts_total{generator=\"gen-e2e\"} 10.0"), metrics);
            assertTrue(metrics.contains("prefstream_generator_policy_version{generator=\"gen-e2e\"} 0.0"), metrics);
            assertTrue(metrics.contains("prefstream_generator_paused{generator=\"gen-e2e\"} 0.0"), metrics);
            assertTrue(metrics.contains("prefstream_generator_batch_fill_count{generator=\"gen-e2e\"}"), metrics);
            assertTrue(metrics.contains("prefstream_generator_gate{code=\"open\",generator=\"gen-e2e\"} 1.0"), metrics);
            assertTrue(
                    metrics.contains("prefstream_generator_gate{code=\"no_policy\",generator=\"gen-e2e\"} 0.0"),
                    metrics);
            assertTrue(
                    metrics.contains(
                            "prefstream_generator_pauses_total{generator=\"gen-e2e\",reason=\"no_policy\"} 1.0"),
                    metrics);
            var health = http.send(
                    HttpRequest.newBuilder(base.resolve("/health")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode(), health.body());
            assertTrue(health.body().contains("\"status\":\"UP\""), health.body());
        }
    }

    private static final int ARITH_BOS = GeneratorTestKit.ARITH.bos();

    @Test
    void hotSwapsToANewVersionAndSkipsACheckpointWithTheWrongHash() {
        var topics = uniqueTopics();
        var config = config(kit.baseSettings("gen-swap"), topics);
        try (var generator = new GeneratorService(config).start()) {
            kit.publish(topics, 1, policyA);
            await(() -> generator.status().policyVersion() == 1, () -> "version 1 served");
            kit.sendPrompts(topics, prompts("swap-a", 6));
            kit.rollouts(topics, 6, Duration.ofSeconds(60));

            kit.publish(topics, 2, policyB);
            await(() -> generator.status().policyVersion() == 2, () -> "version 2 served");
            kit.sendPrompts(topics, prompts("swap-b", 6));
            kit.rollouts(topics, 12, Duration.ofSeconds(60));

            // version 3 claims policy A's hash for policy B's files: verification must refuse it
            kit.publish(topics, 3, policyB.uri(), policyA.sha256());
            // version 4 points at a directory that does not exist
            await(() -> generator.status().checkpointsRejected() == 1, () -> "version 3 rejected");
            kit.publish(topics, 4, dir.resolve("missing").toUri().toString(), policyA.sha256());
            await(() -> generator.status().checkpointsRejected() == 2, () -> "version 4 rejected");
            kit.sendPrompts(topics, prompts("swap-c", 6));
            List<Rollout> all = kit.exactlyRollouts(topics, 18, Duration.ofMillis(300));

            var status = generator.status();
            assertEquals(2, status.policyVersion());
            assertEquals(4, status.publishedVersion());
            assertEquals(2, status.checkpointsLoaded());
            assertEquals(State.RUNNING, status.state());
            Map<String, Long> versionByPrefix = new TreeMap<>();
            for (Rollout r : all) {
                String prefix = r.getPrompt().getId().substring(0, 6);
                Long previous = versionByPrefix.put(prefix, r.getPolicyVersion());
                assertTrue(previous == null || previous == r.getPolicyVersion(), "one version per wave");
                // every completion of the rollout must come from the version it names: a mixed group
                // would not match its own model's teacher-forced log-probs
                CausalLm model = r.getPolicyVersion() == 1 ? modelA : modelB;
                double[] rescored = rescore(model, r);
                for (int j = 0; j < r.getCompletions().size(); j++) {
                    assertEquals(
                            rescored[j],
                            r.getCompletions().get(j).getLogprob(),
                            1e-4,
                            r.getId() + "/" + j + " sampled by version " + r.getPolicyVersion());
                }
            }
            assertEquals(Map.of("swap-a", 1L, "swap-b", 2L, "swap-c", 2L), versionByPrefix);
            // the two policies really differ, so the check above would catch a mixed group
            Rollout first = all.get(0);
            assertTrue(Math.abs(rescore(modelA, first)[0] - rescore(modelB, first)[0]) > 1e-2);
        }
    }

    @Test
    void rejectsACheckpointOfAnotherShape() {
        var topics = uniqueTopics();
        var other = GeneratorTestKit.checkpoint(
                dir.resolve("wide"), new LmConfig(GeneratorTestKit.ARITH.vocabSize(), 16, 1, 2, 32, 32), 3);
        var settings = kit.baseSettings("gen-shape");
        settings.put("generator.initial-policy", policyA.dir().toString());
        settings.put("generator.initial-policy-version", "5");
        try (var generator = new GeneratorService(config(settings, topics)).start()) {
            assertEquals(5, generator.status().policyVersion());
            kit.publish(topics, 4, policyB); // older than the initial version: ignored
            kit.publish(topics, 6, other);
            await(() -> generator.status().checkpointsRejected() == 1, () -> "other shape rejected");
            kit.sendPrompts(topics, prompts("shape", 3));
            var rollouts = kit.exactlyRollouts(topics, 3, Duration.ofMillis(200));
            assertEquals(
                    Set.of(5L), rollouts.stream().map(Rollout::getPolicyVersion).collect(Collectors.toSet()));
            assertEquals(0, generator.status().checkpointsLoaded());
        }
    }

    @Test
    void iterativeModeStopsAtTheBudgetAndResumesOnTheNextVersion() {
        var topics = uniqueTopics();
        var settings = kit.baseSettings("gen-iter");
        settings.put("generator.mode", "iterative");
        settings.put("generator.budget-per-version", "5");
        settings.put("generator.initial-policy", policyA.dir().toString());
        var config = config(settings, topics);
        try (var generator = new GeneratorService(config).start()) {
            kit.sendPrompts(topics, prompts("iter", 12));
            kit.exactlyRollouts(topics, 5, Duration.ofMillis(500));
            var paused = generator.status();
            assertEquals(State.PAUSED, paused.state());
            assertTrue(paused.reason().startsWith("budget spent: 5 rollouts with version 0"), paused.reason());
            await(() -> kit.committed(config.groupId()) == 5, () -> "offsets of the 5 sampled prompts committed");

            kit.publish(topics, 1, policyA);
            kit.exactlyRollouts(topics, 10, Duration.ofMillis(500));
            assertEquals(State.PAUSED, generator.status().state());
            kit.publish(topics, 2, policyA);
            var all = kit.exactlyRollouts(topics, 12, Duration.ofMillis(300));

            Map<Long, Long> perVersion = all.stream()
                    .collect(Collectors.groupingBy(Rollout::getPolicyVersion, TreeMap::new, Collectors.counting()));
            assertEquals(Map.of(0L, 5L, 1L, 5L, 2L, 2L), perVersion);
            assertEquals(
                    12, all.stream().map(r -> r.getPrompt().getId()).distinct().count());
            var status = generator.status();
            assertEquals(State.RUNNING, status.state());
            assertEquals(2, status.producedThisVersion());
        }
    }

    @Test
    void streamingModePausesWhenTooFarAheadOfTheTrainerAndResumesOnANewVersion() {
        var topics = uniqueTopics();
        var settings = kit.baseSettings("gen-stale");
        settings.put("generator.budget-per-version", "3");
        settings.put("generator.max-staleness", "1");
        settings.put("generator.initial-policy", policyA.dir().toString());
        try (var generator = new GeneratorService(config(settings, topics)).start()) {
            kit.sendPrompts(topics, prompts("stale", 10));
            // (S + 1) * B = 6 rollouts with version 0, then 2 budgets ahead > S = 1
            kit.exactlyRollouts(topics, 6, Duration.ofMillis(500));
            var paused = generator.status();
            assertEquals(State.PAUSED, paused.state());
            assertTrue(
                    paused.reason().startsWith("ahead of trainer: 6 rollouts with version 0 = 2 budgets of 3"),
                    paused.reason());
            kit.publish(topics, 1, policyA);
            var all = kit.exactlyRollouts(topics, 10, Duration.ofMillis(300));
            assertEquals(4, all.stream().filter(r -> r.getPolicyVersion() == 1).count());
            assertEquals(State.RUNNING, generator.status().state());
        }
    }

    @Test
    void streamingModePausesWhileTheTrainerBacklogIsTooLarge() throws Exception {
        var topics = uniqueTopics();
        String prefs = TestNames.unique("prefs");
        String trainerGroup = TestNames.unique("batcher");
        kit.admin.createTopics(List.of(new NewTopic(prefs, 1, (short) 1))).all().get();
        for (int i = 0; i < 10; i++) {
            kit.send(prefs, "k" + i, new byte[] {1});
        }
        var tp = new TopicPartition(prefs, 0);
        kit.admin
                .alterConsumerGroupOffsets(trainerGroup, Map.of(tp, new OffsetAndMetadata(2)))
                .all()
                .get();

        var settings = kit.baseSettings("gen-lag");
        settings.put("generator.max-trainer-lag", "5");
        settings.put("generator.trainer-group", trainerGroup);
        settings.put("generator.trainer-lag-topics", prefs);
        settings.put("generator.lag-check-interval-ms", "50");
        settings.put("generator.initial-policy", policyA.dir().toString());
        try (var generator = new GeneratorService(config(settings, topics)).start()) {
            await(() -> generator.status().state() == State.PAUSED, () -> "paused for the backlog");
            assertEquals(
                    "trainer backlog 8 records > max-trainer-lag 5",
                    generator.status().reason());
            assertEquals(8, generator.status().trainerBacklog());
            kit.sendPrompts(topics, prompts("lag", 5));
            GeneratorTestKit.sleep(500);
            assertEquals(0, kit.rollouts(topics, 1, Duration.ofMillis(200)).size(), "sampled past the backlog bound");

            kit.admin
                    .alterConsumerGroupOffsets(trainerGroup, Map.of(tp, new OffsetAndMetadata(6)))
                    .all()
                    .get();
            kit.exactlyRollouts(topics, 5, Duration.ofMillis(200));
            assertEquals(State.RUNNING, generator.status().state());
            assertEquals(4, generator.status().trainerBacklog());
        }
    }

    @Test
    void rolloutsAndTheirPromptsOffsetsWaitForTheCommitIntervalAndCloseCommitsThem() throws Exception {
        var topics = uniqueTopics();
        var settings = kit.baseSettings("gen-commit-interval");
        settings.put("generator.initial-policy", policyA.dir().toString());
        settings.put("generator.commit-interval-ms", "600000");
        var config = config(settings, topics);
        try (var generator = new GeneratorService(config).start()) {
            kit.sendPrompts(topics, prompts("interval", 3));
            await(
                    () -> generator.status().rollouts() == 3,
                    () -> "3 rollouts sampled, found " + generator.status().rollouts());
            GeneratorTestKit.sleep(500); // several loop turns, each of which would commit with interval 0
            assertEquals(0, kit.committed(config.groupId()), "committed before the 10-minute interval elapsed");
            assertEquals(
                    List.of(),
                    kit.rollouts(topics, 3, Duration.ofSeconds(1)),
                    "rollouts are visible only with their prompts' offsets, when their transaction commits");
        }
        assertEquals(3, kit.committed(config.groupId()), "close commits what the interval held back");
        assertEquals(3, kit.exactlyRollouts(topics, 3, Duration.ofMillis(100)).size());
    }

    @Test
    void closingWhileSamplingCommitsEveryAcknowledgedRollout() throws Exception {
        var topics = uniqueTopics();
        var settings = kit.baseSettings("gen-close-busy");
        settings.put("generator.initial-policy", policyA.dir().toString());
        settings.put("generator.batch-size", "1"); // many short micro-batches: the loop is almost always sampling
        settings.put("generator.commit-interval-ms", "600000"); // only close commits
        var config = config(settings, topics);
        try (var generator = new GeneratorService(config).start()) {
            kit.sendPrompts(topics, prompts("busy", 400));
            await(
                    () -> generator.status().rollouts() >= 20,
                    () -> "20 rollouts sampled, found " + generator.status().rollouts());
            // close() now wakes the consumer while the loop samples, so the wake-up lands in the final commit
        }
        long produced = kit.rollouts(topics, 400, Duration.ofSeconds(3)).size(); // all there are
        assertTrue(produced >= 20 && produced < 400, "close stopped sampling part-way, produced " + produced);
        assertEquals(produced, kit.committed(config.groupId()), "every acknowledged rollout's prompt is committed");
    }

    @Test
    void aRestartResumesAfterTheCommittedPromptsAndARedeliveredPromptGetsTheSameRollout() throws Exception {
        var topics = uniqueTopics();
        var settings = kit.baseSettings("gen-restart");
        settings.put("generator.initial-policy", policyA.dir().toString());
        var config = config(settings, topics);
        try (var generator = new GeneratorService(config).start()) {
            kit.sendPrompts(topics, prompts("first", 4));
            kit.exactlyRollouts(topics, 4, Duration.ofMillis(100));
        }
        assertEquals(4, kit.committed(config.groupId()), "close commits every acknowledged rollout");
        try (var generator = new GeneratorService(config).start()) {
            kit.sendPrompts(topics, prompts("second", 2));
            var six = kit.exactlyRollouts(topics, 6, Duration.ofMillis(300));
            assertEquals(
                    6, six.stream().map(r -> r.getPrompt().getId()).distinct().count(), "nothing re-sampled");
        }
        // a crash before the commit = redelivery: rewind the group and sample everything again
        var partition = new TopicPartition(topics.prompts().name(), 0);
        kit.admin
                .alterConsumerGroupOffsets(config.groupId(), Map.of(partition, new OffsetAndMetadata(0)))
                .all()
                .get();
        try (var generator = new GeneratorService(config).start()) {
            var all = kit.exactlyRollouts(topics, 12, Duration.ofMillis(300));
            Map<String, List<Rollout>> byId = all.stream().collect(Collectors.groupingBy(Rollout::getId));
            assertEquals(6, byId.size(), "each redelivered prompt yields the rollout id it had");
            for (List<Rollout> twins : byId.values()) {
                assertEquals(2, twins.size());
                for (int j = 0; j < 3; j++) {
                    assertEquals(
                            twins.get(0).getCompletions().get(j).getTokenIds(),
                            twins.get(1).getCompletions().get(j).getTokenIds(),
                            "same seed, same completions");
                }
            }
        }
    }

    @Test
    void twoInstancesShareThePartitionsWithoutDuplicatingPrompts() {
        var topics = uniqueTopics();
        var settingsA = kit.baseSettings("gen-a");
        settingsA.put("topics.partitions", "4");
        settingsA.put("generator.initial-policy", policyA.dir().toString());
        var settingsB = new HashMap<>(settingsA);
        settingsB.put("generator.id", "gen-b");
        try (var a = new GeneratorService(config(settingsA, topics)).start();
                var b = new GeneratorService(config(settingsB, topics)).start()) {
            await(
                    () -> a.status().assignedPartitions() == 2 && b.status().assignedPartitions() == 2,
                    () -> "4 partitions split 2/2, found " + a.status().assignedPartitions() + "/"
                            + b.status().assignedPartitions());
            kit.sendPrompts(topics, prompts("pair", 40));
            var all = kit.exactlyRollouts(topics, 40, Duration.ofMillis(500));
            assertEquals(
                    40, all.stream().map(r -> r.getPrompt().getId()).distinct().count(), "a prompt sampled twice");
            Map<String, Long> perGenerator =
                    all.stream().collect(Collectors.groupingBy(Rollout::getGeneratorId, Collectors.counting()));
            assertEquals(Set.of("gen-a", "gen-b"), perGenerator.keySet(), "both instances worked: " + perGenerator);
            assertEquals(40, a.status().rollouts() + b.status().rollouts());
        }
    }

    @Test
    void poisonPromptsGoToTheDeadLetterTopicWithTheirReasonAndTheNextPromptsAreServed() {
        var topics = uniqueTopics();
        var settings = kit.baseSettings("gen-poison");
        settings.put("generator.initial-policy", policyA.dir().toString());
        var config = config(settings, topics);
        try (var generator = new GeneratorService(config).start()) {
            kit.send(topics.prompts().name(), "garbage", "not avro".getBytes(StandardCharsets.UTF_8));
            kit.sendPrompts(
                    topics,
                    List.of(
                            prompt("ok-1", "1+2="),
                            prompt("too-long", "1+2+3+4+5+6+7+8+9+10+11+12+13="), // 31 tokens + 6 - 1 > 32
                            prompt("empty", ""),
                            prompt("letters", "two+two="),
                            prompt("ok-2", "40+2=")));
            kit.send(topics.prompts().name(), "tombstone", null);
            kit.sendPrompts(topics, List.of(prompt("ok-3", "7+7=")));

            List<DeadLetter> letters = kit.deadLetters(topics, 5);
            assertEquals(5, letters.size());
            Map<Long, String> reasonByOffset = new TreeMap<>();
            for (DeadLetter d : letters) {
                assertEquals(topics.prompts().name(), d.sourceTopic());
                assertEquals(0, d.sourcePartition());
                reasonByOffset.put(d.sourceOffset(), d.reason());
            }
            assertEquals(
                    Map.of(
                            0L,
                            "undecodable",
                            2L,
                            "prompt-too-long",
                            3L,
                            "empty-prompt",
                            4L,
                            "untokenizable",
                            6L,
                            "undecodable"),
                    reasonByOffset);
            var tooLong = letters.stream()
                    .filter(d -> d.sourceOffset() == 2)
                    .findFirst()
                    .orElseThrow();
            assertTrue(
                    tooLong.exceptionMessage()
                            .contains("31 tokens (BOS included); with max-new-tokens 6 it needs "
                                    + "36 positions but the model's max_seq_len is 32"),
                    tooLong.exceptionMessage());
            var garbage = letters.stream()
                    .filter(d -> d.sourceOffset() == 0)
                    .findFirst()
                    .orElseThrow();
            assertTrue(garbage.exceptionMessage().contains("unknown magic byte"), garbage.exceptionMessage());
            assertEquals("not avro", new String(garbage.value(), StandardCharsets.UTF_8));

            var rollouts = kit.exactlyRollouts(topics, 3, Duration.ofMillis(200));
            assertEquals(
                    Set.of("ok-1", "ok-2", "ok-3"),
                    rollouts.stream().map(r -> r.getPrompt().getId()).collect(Collectors.toSet()));
            await(
                    () -> kit.committed(config.groupId()) == 8,
                    () -> "all 8 records committed, found " + kit.committed(config.groupId()));
            assertEquals(5, generator.status().deadLetters());
            assertEquals(State.RUNNING, generator.status().state());
        }
    }
}
