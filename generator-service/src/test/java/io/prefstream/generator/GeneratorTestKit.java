package io.prefstream.generator;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import io.prefstream.model.LmConfig;
import io.prefstream.model.checkpoint.CheckpointManifest;
import io.prefstream.model.checkpoint.Checkpoints;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.lm.LogProbs;
import io.prefstream.model.lm.ScoringBatch;
import io.prefstream.model.tokenizer.CharTokenizer;
import io.prefstream.platform.config.CommonConfig;
import io.prefstream.platform.deadletter.DeadLetter;
import io.prefstream.platform.kafka.KafkaClients;
import io.prefstream.platform.kafka.TopicProducer;
import io.prefstream.platform.testing.TestNames;
import io.prefstream.schemas.PolicyUpdate;
import io.prefstream.schemas.Prompt;
import io.prefstream.schemas.Rollout;
import io.prefstream.schemas.registry.SchemaRegistries;
import io.prefstream.schemas.registry.SchemaRegistryClient;
import io.prefstream.schemas.serde.AvroDecoder;
import io.prefstream.schemas.serde.AvroEncoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Tiny policies, checkpoints and Kafka helpers shared by the generator's tests. */
final class GeneratorTestKit implements AutoCloseable {

    static final CharTokenizer ARITH = new CharTokenizer("0123456789+=");
    static final LmConfig TINY = LmConfig.tiny(ARITH.vocabSize());
    static final String REGISTRY_URL = "mock://generator-tests";

    /** A saved checkpoint: where, and the sha256 a trainer would publish. */
    record Checkpoint(Path dir, String sha256) {
        String uri() {
            return dir.toAbsolutePath().toUri().toString();
        }
    }

    final String bootstrap;
    final SchemaRegistryClient registry = SchemaRegistries.forUrl(REGISTRY_URL, Map.of());
    final KafkaClients clients;
    final KafkaProducer<byte[], byte[]> producer;
    final Admin admin;

    GeneratorTestKit(String bootstrap) {
        this.bootstrap = bootstrap;
        this.clients = new KafkaClients(CommonConfig.local(bootstrap, Path.of("target", "prefstream-data")));
        this.producer = clients.producer();
        this.admin = clients.admin();
    }

    /** Saves a freshly initialised tiny policy with {@code seed} under {@code dir}. */
    static Checkpoint checkpoint(Path dir, long seed) {
        return checkpoint(dir, TINY, seed);
    }

    static Checkpoint checkpoint(Path dir, LmConfig config, long seed) {
        try (CausalLm lm = CausalLm.create(config, ARITH, Device.cpu(), seed)) {
            CheckpointManifest manifest = Checkpoints.save(dir, lm);
            return new Checkpoint(dir, manifest.weightsSha256());
        }
    }

    /** Settings every test starts from: tiny batches on the shared broker, own topics and group. */
    Map<String, String> baseSettings(String id) {
        var m = new HashMap<String, String>();
        m.put("bootstrap.servers", bootstrap);
        m.put("schema.registry.url", REGISTRY_URL);
        m.put("topics.partitions", "1");
        m.put("generator.group-id", TestNames.unique("generator-group"));
        m.put("generator.id", id);
        m.put("generator.batch-size", "4");
        m.put("generator.max-wait-ms", "20");
        m.put("generator.samples-per-prompt", "3");
        m.put("generator.max-new-tokens", "6");
        m.put("generator.poll-timeout-ms", "50");
        m.put("generator.device", "cpu");
        m.put("generator.seed", "17");
        m.put("generator.mode", "streaming");
        m.put("generator.budget-per-version", "0");
        m.put("generator.max-trainer-lag", "0");
        return m;
    }

    static GeneratorTopics uniqueTopics() {
        return GeneratorTopics.suffixed("." + TestNames.unique("t"));
    }

    static GeneratorConfig config(Map<String, String> values, GeneratorTopics topics) {
        return GeneratorConfig.fromValues(values).withTopics(topics);
    }

    /** Publishes a policy update for policy {@code policy}. */
    void publish(GeneratorTopics topics, long version, String uri, String sha256) {
        var update = PolicyUpdate.newBuilder()
                .setPolicy("policy")
                .setVersion(version)
                .setCheckpointUri(uri)
                .setSha256(sha256)
                .setBytes(0)
                .setTrainerStep(version * 10)
                .setMetrics(Map.of())
                .setCreatedAtMs(System.currentTimeMillis())
                .build();
        send(
                topics.policyUpdates().name(),
                "policy",
                new AvroEncoder<PolicyUpdate>(registry)
                        .encode(topics.policyUpdates().name(), update));
    }

    void publish(GeneratorTopics topics, long version, Checkpoint checkpoint) {
        publish(topics, version, checkpoint.uri(), checkpoint.sha256());
    }

    static Prompt prompt(String id, String text) {
        return Prompt.newBuilder()
                .setId(id)
                .setTask("arithmetic")
                .setText(text)
                .setTokenIds(null)
                .setMetadata(Map.of())
                .setCreatedAtMs(System.currentTimeMillis())
                .build();
    }

    /** Prompts {@code <prefix>-0 .. <prefix>-(n-1)} with arithmetic texts. */
    static List<Prompt> prompts(String prefix, int n) {
        var out = new ArrayList<Prompt>();
        for (int i = 0; i < n; i++) {
            out.add(prompt(prefix + "-" + i, (i % 100) + "+" + (i * 7 % 100) + "="));
        }
        return out;
    }

    void sendPrompts(GeneratorTopics topics, List<Prompt> prompts) {
        new PromptProducer(new TopicProducer(producer, registry), topics.prompts()).send(prompts);
    }

    void send(String topic, String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topic, key == null ? null : key.getBytes(UTF_8), value))
                    .get();
        } catch (Exception e) {
            throw new IllegalStateException("cannot send to " + topic, e);
        }
    }

    /** Reads the whole of {@code topic} (no group) until {@code expected} records or the timeout. */
    List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> readRaw(
            String topic, int expected, Duration timeout) {
        var props = clients.consumerProperties("unused");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        var out = new ArrayList<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>>();
        try (var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            var partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(50)).forEach(out::add);
            }
        }
        return out;
    }

    List<Rollout> rollouts(GeneratorTopics topics, int expected, Duration timeout) {
        var decoder = new AvroDecoder<>(Rollout.class, registry);
        return readRaw(topics.rollouts().name(), expected, timeout).stream()
                .map(decoder::decode)
                .toList();
    }

    /** Exactly {@code n} rollouts: waits for them, then checks no more arrive within {@code settle}. */
    List<Rollout> exactlyRollouts(GeneratorTopics topics, int n, Duration settle) {
        var got = rollouts(topics, n, Duration.ofSeconds(60));
        assertEquals(n, got.size(), "rollouts before the timeout");
        sleep(settle.toMillis());
        var again = rollouts(topics, n + 1, Duration.ofMillis(500));
        assertEquals(n, again.size(), "rollouts after settling " + settle.toMillis() + " ms");
        return again;
    }

    List<DeadLetter> deadLetters(GeneratorTopics topics, int expected) {
        return readRaw(topics.deadLetters().name(), expected, Duration.ofSeconds(60)).stream()
                .map(DeadLetter::from)
                .toList();
    }

    /** Committed offsets of {@code group} summed over its partitions. */
    long committed(String group) {
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get();
            return offsets.values().stream()
                    .filter(o -> o != null)
                    .mapToLong(OffsetAndMetadata::offset)
                    .sum();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read offsets of " + group, e);
        }
    }

    /** Sequence log-probs of every completion of {@code rollout}, re-scored teacher-forced by {@code lm}. */
    static double[] rescore(CausalLm lm, Rollout rollout) {
        var prompts = new ArrayList<int[]>();
        var responses = new ArrayList<int[]>();
        int[] prompt = rollout.getPrompt().getTokenIds().stream()
                .mapToInt(Integer::intValue)
                .toArray();
        for (var c : rollout.getCompletions()) {
            prompts.add(prompt);
            responses.add(c.getTokenIds().stream().mapToInt(Integer::intValue).toArray());
        }
        return LogProbs.sequenceNoGrad(
                lm,
                ScoringBatch.of(prompts, responses, lm.tokenizer().pad()),
                rollout.getSampling().getTemperature());
    }

    static void await(BooleanSupplier condition, Supplier<String> what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Gave up after 60 s waiting for: " + what.get());
            }
            sleep(20);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static int freePort() {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        producer.close();
        admin.close();
    }
}
