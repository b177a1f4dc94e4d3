package io.prefstream.trainer;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prefstream.model.DeviceSetting;
import io.prefstream.model.checkpoint.Checkpoints;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.platform.config.CommonConfig;
import io.prefstream.platform.deadletter.DeadLetter;
import io.prefstream.platform.kafka.KafkaClients;
import io.prefstream.platform.testing.EmbeddedKafkaExtension;
import io.prefstream.platform.topics.TopicProvisioner;
import io.prefstream.schemas.MetricsKey;
import io.prefstream.schemas.MetricsKind;
import io.prefstream.schemas.PreferencePair;
import io.prefstream.schemas.TrainerMetrics;
import io.prefstream.schemas.TrainingBatch;
import io.prefstream.schemas.registry.SchemaRegistries;
import io.prefstream.schemas.registry.SchemaRegistryClient;
import io.prefstream.schemas.registry.SchemaRegistryServer;
import io.prefstream.schemas.serde.AvroEncoder;
import io.prefstream.schemas.topics.Topics;
import io.prefstream.trainer.loop.CheckpointStore;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exact resume: a trainer killed with SIGKILL at an arbitrary moment and restarted trains the same
 * batches, in the same order, as an uninterrupted one: none twice, none skipped. Each trainer runs
 * in a child JVM ({@link ResumeChild}) on the same pre-made batches, one of which has a
 * non-finite loss (dead-lettered, weights untouched) and one of which is undecodable.
 */
class KillAndResumeTest {

    private static final int BATCHES = 30;
    private static final int POISONED = 7;
    private static final int JUNK_AFTER = 16;

    @RegisterExtension
    static EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.perClass();

    @TempDir
    static Path dir;

    private static SchemaRegistryServer registryServer;

    @BeforeAll
    static void registry() {
        registryServer = SchemaRegistryServer.inMemory().start(0);
    }

    @AfterAll
    static void stopRegistry() {
        registryServer.close();
    }

    @Test
    void aTrainerKilledAtAnyMomentResumesWithoutTrainingABatchTwiceOrSkippingOne() throws Exception {
        var clients = new KafkaClients(CommonConfig.local(kafka.bootstrapServers(), dir));
        try (var admin = clients.admin()) {
            TopicProvisioner.from(admin, clients.config()).ensureAll();
        }
        produceBatches(clients);
        int steps = BATCHES - 1; // every batch but the poisoned one trains

        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        TrainerTestSupport.saveReference(a.resolve("reference"), 3);
        TrainerTestSupport.saveReference(b.resolve("reference"), 3);

        Process uninterrupted = child(a, "resume-a", steps);
        assertEquals(
                0,
                uninterrupted.waitFor(4, TimeUnit.MINUTES) ? uninterrupted.exitValue() : -1,
                "uninterrupted trainer exits normally (output in " + a.resolve("child.out") + ")");
        List<String> expected = Files.readAllLines(a.resolve("trained.log"));

        Process victim = child(b, "resume-b", steps);
        Path logB = b.resolve("trained.log");
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        while (lines(logB) < 7 && victim.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Thread.sleep(ThreadLocalRandom.current().nextInt(0, 300)); // somewhere inside a later segment
        assertTrue(victim.isAlive(), "the trainer finished before it could be killed; lengthen the run");
        victim.destroyForcibly(); // SIGKILL
        assertTrue(victim.waitFor(1, TimeUnit.MINUTES));
        assertEquals(137, victim.exitValue(), "killed by SIGKILL");
        int linesAtKill = lines(logB);
        long victimLastStep;
        try (var registry = SchemaRegistries.forUrl(registryServer.url(), Map.of())) {
            victimLastStep = maxTrainStep(clients, registry, "resume-b");
        }
        long durableAtKill = durableStep(b);
        assertTrue(linesAtKill < expected.size(), "killed before the end: " + linesAtKill + " of " + expected.size());

        Process resumed = child(b, "resume-b", steps);
        assertEquals(
                0,
                resumed.waitFor(4, TimeUnit.MINUTES) ? resumed.exitValue() : -1,
                "resumed trainer exits normally (output in " + b.resolve("child.out") + ")");
        List<String> actual = Files.readAllLines(logB);

        // the uninterrupted history: sequences 0..29 in order, 7 dead-lettered, the junk record dead-lettered
        var trained = new ArrayList<Long>();
        var dead = new ArrayList<Long>();
        for (String line : expected) {
            String[] f = line.split(" ");
            (f[1].equals("trained") ? trained : dead).add(Long.parseLong(f[2]));
        }
        var all = new ArrayList<Long>();
        for (long s = 0; s < BATCHES; s++) {
            if (s != POISONED) {
                all.add(s);
            }
        }
        assertEquals(all, trained);
        assertEquals(List.of((long) POISONED, -1L), dead);
        assertEquals(
                expected,
                actual,
                "killed after " + linesAtKill + " lines and resumed: same batches, same "
                        + "checkpoints, nothing twice, nothing skipped");

        // both end with (numerically) the same weights
        var storeA = new CheckpointStore(a.resolve("checkpoints"), 2).latest().orElseThrow();
        var storeB = new CheckpointStore(b.resolve("checkpoints"), 2).latest().orElseThrow();
        assertEquals(steps, storeA.state().step());
        assertEquals(steps, storeB.state().step());
        try (CausalLm wa = Checkpoints.loadPolicy(storeA.dir(), DeviceSetting.AUTO.resolve());
                CausalLm wb = Checkpoints.loadPolicy(storeB.dir(), DeviceSetting.AUTO.resolve())) {
            for (String name : wa.parameters().names()) {
                float[] x = wa.parameters().get(name).toFloatArray();
                float[] y = wb.parameters().get(name).toFloatArray();
                for (int i = 0; i < x.length; i++) {
                    assertEquals(x[i], y[i], 1e-4, name + "[" + i + "]");
                }
            }
        }

        // metrics are idempotent by step: the steps the killed trainer published after its last checkpoint
        // (often none reach the topic before the SIGKILL) the resumed one publishes again; keeping the last
        // record per (policy, kind, step), as consumers do (RunMetrics), gives every step once, with the
        // surviving lineage's values (here: the uninterrupted run's)
        try (var registry = SchemaRegistries.forUrl(registryServer.url(), Map.of())) {
            var recordsA = TrainerTestSupport.readValues(
                    clients, registry, Topics.METRICS.name(), TrainerMetrics.class, "resume-a");
            var recordsB = TrainerTestSupport.readValues(
                    clients, registry, Topics.METRICS.name(), TrainerMetrics.class, "resume-b");
            Map<MetricsKey, TrainerMetrics> lastA = lastPerKey(recordsA);
            Map<MetricsKey, TrainerMetrics> lastB = lastPerKey(recordsB);
            assertEquals(recordsA.size(), lastA.size(), "the uninterrupted run publishes each step once");
            long republished = Math.max(0, victimLastStep - durableAtKill);
            assertEquals(
                    steps + republished,
                    recordsB.stream()
                            .filter(m -> m.getKind() == MetricsKind.TRAIN)
                            .count(),
                    "the victim's TRAIN metrics up to step " + victimLastStep + ", the resumed trainer's from step "
                            + (durableAtKill + 1));
            var everyStep = LongStream.rangeClosed(1, steps).boxed().toList();
            assertEquals(everyStep, stepsOf(lastB, MetricsKind.TRAIN), recordsB.size() + " records");
            assertEquals(List.of((long) steps), stepsOf(lastB, MetricsKind.EVAL), "the final evaluation");
            for (long step : everyStep) {
                double aLoss = lastA.get(new MetricsKey("resume-a", MetricsKind.TRAIN, step))
                        .getMetrics()
                        .get("loss");
                double bLoss = lastB.get(new MetricsKey("resume-b", MetricsKind.TRAIN, step))
                        .getMetrics()
                        .get("loss");
                assertEquals(aLoss, bLoss, 1e-4, "loss at step " + step);
            }
        }

        // the poisoned batch reached the dead-letter topic with its reason, from both trainers
        List<DeadLetter> letters = TrainerTestSupport.readAll(clients, Topics.DEAD_LETTERS.name()).stream()
                .map(DeadLetter::from)
                .toList();
        assertTrue(
                letters.stream()
                                .filter(d -> d.reason().equals("non-finite-loss"))
                                .count()
                        >= 2,
                letters.toString());
        assertTrue(
                letters.stream().filter(d -> d.reason().equals("undecodable")).count() >= 2, letters.toString());
        assertTrue(letters.stream().allMatch(d -> d.sourceTopic().equals(Topics.TRAINING_BATCHES.name())));
    }

    private static long maxTrainStep(KafkaClients clients, SchemaRegistryClient registry, String policy) {
        return TrainerTestSupport.readValues(clients, registry, Topics.METRICS.name(), TrainerMetrics.class, policy)
                .stream()
                .filter(m -> m.getKind() == MetricsKind.TRAIN)
                .mapToLong(TrainerMetrics::getStep)
                .max()
                .orElse(0);
    }

    /** The step of the latest durable checkpoint under {@code dataDir}, 0 when none. */
    private static long durableStep(Path dataDir) {
        return new CheckpointStore(dataDir.resolve("checkpoints"), 2)
                .latest()
                .map(e -> e.state().step())
                .orElse(0L);
    }

    /** One record per (policy, kind, step), the last to arrive. */
    private static Map<MetricsKey, TrainerMetrics> lastPerKey(List<TrainerMetrics> records) {
        var out = new LinkedHashMap<MetricsKey, TrainerMetrics>();
        records.forEach(r -> out.put(MetricsKey.of(r), r));
        return out;
    }

    private static List<Long> stepsOf(Map<MetricsKey, TrainerMetrics> records, MetricsKind kind) {
        return records.keySet().stream()
                .filter(k -> k.kind() == kind)
                .map(MetricsKey::step)
                .sorted()
                .toList();
    }

    private static int lines(Path log) throws java.io.IOException {
        return Files.exists(log) ? Files.readAllLines(log).size() : 0;
    }

    private Process child(Path dataDir, String policy, int maxSteps) throws java.io.IOException {
        Files.createDirectories(dataDir);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var command = List.of(
                java,
                "-Xmx1g",
                "-Dai.djl.offline=true",
                "-Dai.djl.default_engine=PyTorch",
                "-Dai.djl.pytorch.num_threads=1",
                "-Dai.djl.pytorch.num_interop_threads=1",
                "-cp",
                System.getProperty("java.class.path"),
                ResumeChild.class.getName(),
                kafka.bootstrapServers(),
                registryServer.url(),
                dataDir.toString(),
                policy,
                dataDir.resolve("trained.log").toString(),
                Integer.toString(maxSteps));
        File out = dataDir.resolve("child.out").toFile();
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(out))
                .start();
    }

    private static void produceBatches(KafkaClients clients) {
        var registry = SchemaRegistries.forUrl(registryServer.url(), Map.of());
        var encoder = new AvroEncoder<TrainingBatch>(registry);
        String topic = Topics.TRAINING_BATCHES.name();
        try (KafkaProducer<byte[], byte[]> producer = clients.producer()) {
            for (int s = 0; s < BATCHES; s++) {
                var rng = new SplittableRandom(s);
                var pairs = new ArrayList<PreferencePair>();
                for (int i = 0; i < 4; i++) {
                    int x = rng.nextInt(50);
                    int y = rng.nextInt(50);
                    var pair = TestRecords.pair(
                            "s" + s + "-" + i,
                            x + "+" + y + "=",
                            Integer.toString(x + y),
                            Integer.toString(x + y + 1 + rng.nextInt(9)));
                    if (s == POISONED && i == 0) {
                        // finite cached π_ref log-probs whose difference overflows float32: the loss is infinite
                        pair = PreferencePair.newBuilder(pair)
                                .setChosenRefLogprob(3e38)
                                .setRejectedRefLogprob(-3e38)
                                .build();
                    }
                    pairs.add(pair);
                }
                var batch = TrainingBatch.newBuilder()
                        .setBatchId("batch-" + s)
                        .setSequence(s)
                        .setOfflinePairs(pairs)
                        .setOnlineLabeled(List.of())
                        .setOnlineUnlabeled(List.of())
                        .setCreatedAtMs(0L)
                        .build();
                producer.send(
                        new ProducerRecord<>(topic, batch.getBatchId().getBytes(UTF_8), encoder.encode(topic, batch)));
                if (s == JUNK_AFTER) {
                    producer.send(new ProducerRecord<>(topic, "junk".getBytes(UTF_8), new byte[] {0, 0, 0, 0, 99}));
                }
            }
            producer.flush();
        }
    }
}
