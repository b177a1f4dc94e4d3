package io.prefstream.trainer;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.prefstream.model.DeviceSetting;
import io.prefstream.model.LmConfig;
import io.prefstream.model.checkpoint.Checkpoints;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.lm.LogProbs;
import io.prefstream.model.lm.ScoringBatch;
import io.prefstream.model.tokenizer.Tokenizers;
import io.prefstream.platform.config.ConfigLoader;
import io.prefstream.platform.kafka.KafkaClients;
import io.prefstream.schemas.PreferencePair;
import io.prefstream.schemas.registry.SchemaRegistryClient;
import io.prefstream.schemas.serde.AvroDecoder;
import io.prefstream.schemas.serde.AvroEncoder;
import io.prefstream.tasks.Tasks;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/** Shared set-up of the trainer's broker tests: tiny reference models, configs, topic I/O. */
public final class TrainerTestSupport {

    private TrainerTestSupport() {}

    /** The arithmetic task's tokenizer. */
    public static io.prefstream.model.tokenizer.Tokenizer tokenizer() {
        return Tokenizers.forSpec(Tasks.byName("arithmetic").tokenizerSpec());
    }

    /** A freshly initialised tiny policy for arithmetic. */
    public static CausalLm tinyPolicy(long seed) {
        var tk = tokenizer();
        return CausalLm.create(LmConfig.tiny(tk.vocabSize()), tk, DeviceSetting.AUTO.resolve(), seed);
    }

    /** Saves a tiny policy as π_ref in {@code dir}; returns its weights sha256. */
    public static String saveReference(Path dir, long seed) {
        try (CausalLm lm = tinyPolicy(seed)) {
            return Checkpoints.save(dir, lm).weightsSha256();
        }
    }

    /** A trainer config on the given broker and registry, tiny profile, plus {@code overrides}. */
    public static TrainerConfig config(
            String bootstrap, String registryUrl, Path dataDir, Map<String, String> overrides) {
        var values = new HashMap<String, String>();
        values.put("bootstrap.servers", bootstrap);
        values.put("schema.registry.url", registryUrl);
        values.put("data.dir", dataDir.toString());
        values.put("topics.partitions", "2");
        values.putAll(overrides);
        var resolved = ConfigLoader.forSettings(TrainerSettings.ALL)
                .withEnv(Map.of())
                .withProfile(TrainerSettings.tinyProfile())
                .withOverrides(values)
                .load();
        return TrainerConfig.from(resolved);
    }

    /** Produces {@code values} to {@code topic}, keyed by {@code key}, and waits for the acks. */
    public static <T extends SpecificRecord> void produce(
            KafkaClients clients,
            SchemaRegistryClient registry,
            String topic,
            List<T> values,
            java.util.function.Function<T, String> key) {
        var encoder = new AvroEncoder<T>(registry);
        try (KafkaProducer<byte[], byte[]> producer = clients.producer()) {
            for (T v : values) {
                producer.send(new ProducerRecord<>(topic, key.apply(v).getBytes(UTF_8), encoder.encode(topic, v)));
            }
            producer.flush();
        }
    }

    /** Produces raw bytes to {@code topic}. */
    public static void produceRaw(KafkaClients clients, String topic, byte[] key, byte[] value) {
        try (KafkaProducer<byte[], byte[]> producer = clients.producer()) {
            producer.send(new ProducerRecord<>(topic, key, value));
            producer.flush();
        }
    }

    /** Every record of partition 0..n of {@code topic} currently there, read from the beginning. */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(KafkaClients clients, String topic) {
        try (var consumer = clients.consumer("reader-" + System.nanoTime())) {
            var partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            var out = new ArrayList<ConsumerRecord<byte[], byte[]>>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + topic + " to its end " + end);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            return out;
        }
    }

    /** The decoded values of {@code topic} whose key is {@code key}. */
    public static <T extends SpecificRecord> List<T> readValues(
            KafkaClients clients, SchemaRegistryClient registry, String topic, Class<T> type, String key) {
        var decoder = new AvroDecoder<>(type, registry);
        Predicate<ConsumerRecord<byte[], byte[]>> mine = r -> r.key() != null && key.equals(new String(r.key(), UTF_8));
        return readAll(clients, topic).stream()
                .filter(mine)
                .map(decoder::decode)
                .toList();
    }

    /** Fraction of pairs whose implicit reward β(log π − log π_ref) favours the chosen response. */
    public static double implicitRewardAccuracy(CausalLm policy, CausalLm reference, List<PreferencePair> pairs) {
        var tk = policy.tokenizer();
        var prompts = pairs.stream().map(PreferencePair::getPromptText).toList();
        var eos = pairs.stream().map(p -> true).toList();
        var w = ScoringBatch.ofText(
                tk, prompts, pairs.stream().map(PreferencePair::getChosenText).toList(), eos);
        var l = ScoringBatch.ofText(
                tk, prompts, pairs.stream().map(PreferencePair::getRejectedText).toList(), eos);
        double[] pw = LogProbs.sequenceNoGrad(policy, w, 1.0);
        double[] rw = LogProbs.sequenceNoGrad(reference, w, 1.0);
        double[] pl = LogProbs.sequenceNoGrad(policy, l, 1.0);
        double[] rl = LogProbs.sequenceNoGrad(reference, l, 1.0);
        int correct = 0;
        for (int i = 0; i < pw.length; i++) {
            correct += (pw[i] - rw[i]) - (pl[i] - rl[i]) > 0 ? 1 : 0;
        }
        return (double) correct / pw.length;
    }
}
