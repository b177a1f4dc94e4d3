package io.prefstream.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prefstream.platform.config.CommonConfig;
import io.prefstream.platform.kafka.KafkaClients;
import io.prefstream.platform.testing.EmbeddedKafkaExtension;
import io.prefstream.platform.topics.TopicProvisioner;
import io.prefstream.schemas.Label;
import io.prefstream.schemas.LabelCandidate;
import io.prefstream.schemas.LabelKind;
import io.prefstream.schemas.LabelRequest;
import io.prefstream.schemas.Verdict;
import io.prefstream.schemas.registry.SchemaRegistries;
import io.prefstream.schemas.serde.AvroDecoder;
import io.prefstream.schemas.serde.AvroEncoder;
import io.prefstream.schemas.topics.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The external labeler end to end with a plain KafkaProducer and KafkaConsumer on the embedded broker. */
@ExtendWith(EmbeddedKafkaExtension.class)
class ExternalLabelerTest {

    @TempDir
    Path dataDir;

    private static LabelRequest request(String id, LabelKind kind, String a, String b) {
        return new LabelRequest(
                id,
                "rollout-" + id,
                "arithmetic",
                "9+9=",
                List.of(new LabelCandidate(0, a), new LabelCandidate(2, b)),
                kind,
                1L,
                0L,
                Long.MAX_VALUE);
    }

    @Test
    void answersHumanRequestsWithTheShorterCompletionAndStopsAtMax(io.prefstream.platform.kafka.EmbeddedKafka kafka)
            throws Exception {
        String bootstrap = kafka.bootstrapServers();
        try (var admin = new KafkaClients(CommonConfig.local(bootstrap, dataDir)).admin()) {
            // One partition each, so the order of requests (and of "the first --max") is fixed.
            new TopicProvisioner(admin, 1, (short) 1, -1).ensure(Topics.LABEL_REQUESTS, Topics.LABELS);
        }
        var registry = SchemaRegistries.mockScope("external-labeler-test");
        var encoder = new AvroEncoder<LabelRequest>(registry);
        try (var producer = new KafkaProducer<>(
                Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (var r : List.of(
                    request("q1", LabelKind.HUMAN, "18", "118"),
                    request("q2", LabelKind.AI_JUDGE, "1", "22"), // another labeler kind's work: skipped
                    request("q3", LabelKind.HUMAN, "180", "19"),
                    request("q4", LabelKind.HUMAN, "17", "16"))) {
                producer.send(new ProducerRecord<>(
                                ExternalLabeler.REQUESTS,
                                r.getRolloutId().getBytes(UTF_8),
                                encoder.encode(ExternalLabeler.REQUESTS, r)))
                        .get();
            }
        }

        int written = ExternalLabeler.run(ExternalLabeler.Options.parse(
                "--bootstrap",
                bootstrap,
                "--registry",
                "mock://external-labeler-test",
                "--labeler-id",
                "shortest-bot",
                "--max=2",
                "--idle-ms",
                "20000"));
        assertEquals(2, written);

        var decoder = new AvroDecoder<>(Label.class, registry);
        var labels = new ArrayList<Label>();
        try (var consumer = new KafkaConsumer<>(
                Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            var partitions = consumer.partitionsFor(ExternalLabeler.LABELS).stream()
                    .map(p -> new TopicPartition(ExternalLabeler.LABELS, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.currentTimeMillis() + 10_000;
            while (labels.size() < 2 && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    var label = decoder.decode(r);
                    assertEquals(label.getRolloutId(), new String(r.key(), UTF_8), "keyed by rollout id");
                    labels.add(label);
                });
            }
        }
        labels.sort((x, y) -> x.getRequestId().compareTo(y.getRequestId()));
        assertEquals(
                List.of("q1", "q3"), labels.stream().map(Label::getRequestId).toList(), "q2 is AI_JUDGE work");
        assertEquals(0, labels.get(0).getJudgement().getChosenIndex(), "\"18\" is shorter than \"118\"");
        assertEquals(2, labels.get(0).getJudgement().getRejectedIndex());
        assertEquals(2, labels.get(1).getJudgement().getChosenIndex(), "\"19\" is shorter than \"180\"");
        for (Label l : labels) {
            assertEquals(LabelKind.HUMAN, l.getKind());
            assertEquals("shortest-bot", l.getLabelerId());
            assertEquals(Verdict.PREFERENCE, l.getJudgement().getVerdict());
            assertEquals(ExternalLabeler.VERSION, l.getLabelerVersion());
        }

        // The next run resumes after the committed offsets: only q4 (a tie) is left.
        int more = ExternalLabeler.run(ExternalLabeler.Options.parse(
                "--bootstrap",
                bootstrap,
                "--registry",
                "mock://external-labeler-test",
                "--labeler-id",
                "shortest-bot",
                "--max",
                "5",
                "--idle-ms",
                "3000"));
        assertEquals(1, more);
    }

    @Test
    void badArgumentsSayWhatIsExpected() {
        var missing = assertThrows(
                IllegalArgumentException.class,
                () -> ExternalLabeler.Options.parse("--bootstrap", "x:1", "--labeler-id", "a", "--max", "1"));
        assertEquals("--registry is required: a Schema Registry URL, e.g. http://localhost:8081", missing.getMessage());
        var max = assertThrows(
                IllegalArgumentException.class,
                () -> ExternalLabeler.Options.parse(
                        "--bootstrap", "x:1", "--registry", "mock://r", "--labeler-id", "a", "--max", "zero"));
        assertEquals("--max: expected a positive integer, found 'zero'", max.getMessage());
        var unknown = assertThrows(
                IllegalArgumentException.class,
                () -> ExternalLabeler.Options.parse("--bootstrap", "x:1", "--colour", "red"));
        assertTrue(unknown.getMessage().startsWith("unknown option(s) [colour]"), unknown.getMessage());
    }
}
