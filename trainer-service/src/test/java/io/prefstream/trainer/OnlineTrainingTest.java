package io.prefstream.trainer;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prefstream.model.DeviceSetting;
import io.prefstream.model.checkpoint.Checkpoints;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.lm.Completion;
import io.prefstream.model.lm.FinishReason;
import io.prefstream.model.lm.Sampler;
import io.prefstream.model.lm.SamplingOptions;
import io.prefstream.platform.config.CommonConfig;
import io.prefstream.platform.kafka.KafkaClients;
import io.prefstream.platform.testing.EmbeddedKafkaExtension;
import io.prefstream.platform.testing.TestNames;
import io.prefstream.platform.topics.TopicProvisioner;
import io.prefstream.schemas.LabeledRollout;
import io.prefstream.schemas.MetricsKind;
import io.prefstream.schemas.PolicyUpdate;
import io.prefstream.schemas.TrainerMetrics;
import io.prefstream.schemas.registry.SchemaRegistries;
import io.prefstream.schemas.registry.SchemaRegistryClient;
import io.prefstream.schemas.serde.AvroDecoder;
import io.prefstream.schemas.serde.AvroEncoder;
import io.prefstream.schemas.topics.Topics;
import io.prefstream.tasks.Task;
import io.prefstream.trainer.TestRecords.Sample;
import io.prefstream.trainer.batcher.StaleHeaders;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Online iterative DPO through the whole service: the test plays generator and labeler (it samples
 * K completions per prompt from the latest published policy and labels them with the task's gold
 * reward), the service batches, trains and publishes. π_ref is a fresh tiny model, so the gold
 * reward it starts from is low and the improvement is large and robust with fixed seeds.
 */
class OnlineTrainingTest {

    private static final int K = 4;
    private static final int PROMPTS_PER_ROUND = 8;

    @RegisterExtension
    static EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.perClass();

    @TempDir
    static Path dataDir;

    private static String scope;
    private static SchemaRegistryClient registry;

    @BeforeAll
    static void registry() {
        scope = TestNames.unique("online");
        registry = SchemaRegistries.mockScope(scope);
    }

    @AfterAll
    static void dropRegistry() {
        SchemaRegistries.dropScope(scope);
    }

    @Test
    void iterativeOnlineDpoOnFreshLabeledRolloutsImprovesGoldRewardOverTheReference() throws Exception {
        String policy = TestNames.unique("online-policy");
        int metricsPort = freePort();
        TrainerConfig config = TrainerTestSupport.config(
                kafka.bootstrapServers(),
                "mock://" + scope,
                dataDir,
                Map.ofEntries(
                        Map.entry("trainer.policy-name", policy),
                        Map.entry("trainer.objective", "online-dpo"),
                        Map.entry("batcher.online-fraction", "1"),
                        Map.entry("batcher.batch-size", "8"),
                        Map.entry("trainer.mode", "iterative"),
                        Map.entry("trainer.steps-per-iteration", "2"),
                        Map.entry("trainer.reference", "refresh"),
                        Map.entry("trainer.checkpoint-every", "5"),
                        Map.entry("batcher.max-ahead", "4"),
                        Map.entry("batcher.max-staleness", "1"),
                        Map.entry("trainer.max-steps", "40"),
                        Map.entry("trainer.eval-every", "20"),
                        Map.entry("trainer.eval-prompts", "128"),
                        Map.entry("trainer.lr", "1e-3"),
                        Map.entry("metrics.port", Integer.toString(metricsPort))));
        TrainerTestSupport.saveReference(config.referenceDir(), 5);
        var clients = new KafkaClients(CommonConfig.local(kafka.bootstrapServers(), dataDir));
        try (var admin = clients.admin()) {
            TopicProvisioner.from(admin, config.common()).ensureAll();
        }
        // one budget of rollouts per policy version: synchronous iterative DPO
        int budget = config.stepsPerIteration() * config.batcher().onlineItems();
        var generator = new Generator(clients, policy, budget, config.createTask());
        var thread = new Thread(generator, "test-generator");
        try (var service = new TrainerService(config)) {
            thread.start();
            service.start();
            TrainerStatus status = service.done().get(4, TimeUnit.MINUTES);
            assertEquals(TrainerStatus.Phase.DONE, status.phase(), status.failure());
            assertEquals(40, status.step());
            assertEquals(
                    20,
                    status.policyVersion(),
                    "one version per 2-step iteration; checkpoints 5, 15, ... " + "are for resume only");

            String scrape = http(metricsPort, "/metrics");
            assertTrue(scrape.contains("prefstream_trainer_steps_total{policy=\"" + policy + "\"} 40.0"), scrape);
            for (String gauge : List.of(
                    "prefstream_trainer_pairs_per_second",
                    "prefstream_trainer_loss",
                    "prefstream_trainer_kl",
                    "prefstream_trainer_policy_version",
                    "prefstream_trainer_input_lag",
                    "prefstream_trainer_eval_gold_reward",
                    "prefstream_batcher_batches_total")) {
                assertTrue(scrape.contains(gauge), gauge + " missing from /metrics");
            }
            String health = http(metricsPort, "/health");
            assertTrue(
                    health.contains("\"status\":\"UP\"")
                            && health.contains("trainer-loop")
                            && health.contains("batcher"),
                    health);

            // a rollout of version 0 is now far beyond the staleness bound: routed to prefstream.stale
            LabeledRollout old;
            try (CausalLm reference = loadReference(config)) {
                old = generator.sample(reference, 0, 999).get(0);
            }
            TrainerTestSupport.produce(
                    clients,
                    registry,
                    Topics.PREFERENCES.name(),
                    List.of(old),
                    l -> l.getRollout().getId());
            ConsumerRecord<byte[], byte[]> stale = awaitOne(clients, Topics.STALE.name(), Duration.ofSeconds(60));
            assertEquals(
                    "0",
                    new String(
                            stale.headers()
                                    .lastHeader(StaleHeaders.POLICY_VERSION)
                                    .value(),
                            UTF_8));
            assertEquals(
                    "20",
                    new String(
                            stale.headers()
                                    .lastHeader(StaleHeaders.LATEST_VERSION)
                                    .value(),
                            UTF_8));
        } finally {
            generator.stop();
            thread.join(30_000);
        }
        assertEquals(null, generator.failure.get(), "the test generator failed");

        List<TrainerMetrics> metrics =
                TrainerTestSupport.readValues(clients, registry, Topics.METRICS.name(), TrainerMetrics.class, policy);
        List<TrainerMetrics> eval =
                metrics.stream().filter(m -> m.getKind() == MetricsKind.EVAL).toList();
        assertEquals(
                List.of(0L, 20L, 40L),
                eval.stream().map(TrainerMetrics::getStep).toList(),
                "evaluations at the start (pi_ref), every 20 steps and at the end");
        double before = eval.get(0).getMetrics().get("gold_reward");
        double after = eval.get(2).getMetrics().get("gold_reward");
        assertEquals(0.5, eval.get(0).getMetrics().get("win_rate"), 1e-9, "pi_ref against itself, same seed");
        assertTrue(after > before + 0.05, "gold reward on 128 held-out prompts: " + before + " -> " + after);
        assertTrue(
                eval.get(2).getMetrics().get("win_rate") > 0.6,
                "win rate vs pi_ref " + eval.get(2).getMetrics());
        assertTrue(eval.get(2).getMetrics().get("kl_token") > 0, "the policy moved away from pi_ref");
        List<TrainerMetrics> train =
                metrics.stream().filter(m -> m.getKind() == MetricsKind.TRAIN).toList();
        assertEquals(40, train.size());
        for (int step = 3; step <= 39; step += 2) {
            // reference=refresh: an iteration's first step sees pi = pi_ref exactly, so Δ = 0 and L = log 2
            var m = train.get(step - 1).getMetrics();
            assertEquals(Math.log(2), m.get("loss"), 1e-6, "loss at step " + step + ": " + m);
            assertEquals(0.0, m.get("reward_margin"), 1e-6);
        }
        assertTrue(
                Math.abs(train.get(1).getMetrics().get("loss") - Math.log(2)) > 1e-4,
                "within an iteration the policy has moved");
        List<PolicyUpdate> published = TrainerTestSupport.readValues(
                clients, registry, Topics.POLICY_UPDATES.name(), PolicyUpdate.class, policy);
        assertEquals(21, published.size());
        assertTrue(
                published.stream().allMatch(u -> u.getTrainerStep() == 2 * u.getVersion()),
                "only iteration boundaries are published");
        TrainerMetrics last = train.get(39);
        for (String name : List.of("loss", "kl", "reward_accuracy", "reward_margin", "pairs_per_s", "online_pairs")) {
            assertTrue(last.getMetrics().containsKey(name), name + " in " + last.getMetrics());
        }
        assertTrue(generator.rollouts > 0);
    }

    private static int freePort() throws java.io.IOException {
        try (var socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String http(int port, String path) throws Exception {
        var client = java.net.http.HttpClient.newHttpClient();
        var response = client.send(
                java.net.http.HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                        .GET()
                        .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        return response.body();
    }

    private static CausalLm loadReference(TrainerConfig config) {
        return Checkpoints.loadPolicy(config.referenceDir(), DeviceSetting.AUTO.resolve());
    }

    private static ConsumerRecord<byte[], byte[]> awaitOne(KafkaClients clients, String topic, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            var records = TrainerTestSupport.readAll(clients, topic);
            if (!records.isEmpty()) {
                assertEquals(1, records.size());
                return records.get(0);
            }
            Thread.sleep(200);
        }
        throw new AssertionError("nothing arrived on " + topic + " within " + timeout);
    }

    /**
     * Stands in for the generator and labeler services: follows the policy updates, and for each
     * version samples {@code budget} rollouts of K completions, labels them with the gold reward and
     * sends them to the preferences topic.
     */
    private static final class Generator implements Runnable {
        private final KafkaClients clients;
        private final String policy;
        private final int budget;
        private final Task task;
        private final AvroEncoder<LabeledRollout> encoder = new AvroEncoder<>(registry);
        private final AvroDecoder<PolicyUpdate> updates = new AvroDecoder<>(PolicyUpdate.class, registry);
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private volatile boolean stopped;
        private volatile int rollouts;

        Generator(KafkaClients clients, String policy, int budget, Task task) {
            this.clients = clients;
            this.policy = policy;
            this.budget = budget;
            this.task = task;
        }

        void stop() {
            stopped = true;
        }

        @Override
        public void run() {
            var tp = new TopicPartition(Topics.POLICY_UPDATES.name(), 0);
            CausalLm current = null;
            long version = -1;
            int produced = 0;
            try (var consumer = clients.consumer("test-generator-" + policy);
                    KafkaProducer<byte[], byte[]> producer = clients.producer()) {
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                while (!stopped) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                        if (!policy.equals(new String(r.key(), UTF_8))) {
                            continue;
                        }
                        PolicyUpdate u = updates.decode(r);
                        if (u.getVersion() > version) {
                            CausalLm next = Checkpoints.loadPolicy(
                                    Path.of(URI.create(u.getCheckpointUri())),
                                    DeviceSetting.AUTO.resolve(),
                                    u.getSha256(),
                                    null);
                            if (current != null) {
                                current.close();
                            }
                            current = next;
                            version = u.getVersion();
                            produced = 0;
                        }
                    }
                    if (current == null || produced >= budget) {
                        continue;
                    }
                    for (LabeledRollout l : sample(current, version, produced)) {
                        producer.send(new ProducerRecord<>(
                                Topics.PREFERENCES.name(),
                                l.getRollout().getId().getBytes(UTF_8),
                                encoder.encode(Topics.PREFERENCES.name(), l)));
                        rollouts++;
                    }
                    producer.flush();
                    produced += PROMPTS_PER_ROUND;
                }
            } catch (Throwable t) {
                failure.set(t);
            } finally {
                if (current != null) {
                    current.close();
                }
            }
        }

        /** One round: K samples for each of PROMPTS_PER_ROUND training prompts, labeled by the gold reward. */
        List<LabeledRollout> sample(CausalLm lm, long version, int round) {
            long seed = version * 1_000 + round;
            List<String> prompts = task.prompts(seed, PROMPTS_PER_ROUND);
            List<Completion> samples =
                    Sampler.sampleText(lm, prompts, K, SamplingOptions.of(1.0, task.maxResponseTokens(), seed));
            var out = new ArrayList<LabeledRollout>();
            for (int p = 0; p < prompts.size(); p++) {
                var group = new ArrayList<Sample>();
                double[] rewards = new double[K];
                for (int j = 0; j < K; j++) {
                    Completion c = samples.get(p * K + j);
                    group.add(new Sample(c.text(), c.tokens(), c.logProb(), c.finishReason() == FinishReason.EOS));
                    rewards[j] = task.goldReward(prompts.get(p), c.text());
                }
                out.add(TestRecords.labeled(
                        TestRecords.rollout(
                                policy + "-v" + version + "-" + seed + "-" + p, prompts.get(p), version, 1.0, group),
                        rewards));
            }
            return out;
        }
    }
}
