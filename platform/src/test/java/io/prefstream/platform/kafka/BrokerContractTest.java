package io.prefstream.platform.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prefstream.platform.config.CommonConfig;
import io.prefstream.platform.testing.TestNames;
import io.prefstream.platform.topics.CleanupPolicy;
import io.prefstream.platform.topics.Topic;
import io.prefstream.platform.topics.TopicMismatchException;
import io.prefstream.platform.topics.TopicProvisioner;
import io.prefstream.platform.topics.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What Prefstream needs from any Kafka broker: round trips, idempotent provisioning, mismatch
 * detection, transactions. Subclasses supply the broker (embedded, or a Testcontainers one).
 */
abstract class BrokerContractTest {

    @TempDir
    Path dataDir;

    protected KafkaClients clients;

    /** Bootstrap servers of the broker under test. */
    protected abstract String bootstrapServers();

    @BeforeEach
    void setUpClients() {
        clients = new KafkaClients(CommonConfig.local(bootstrapServers(), dataDir));
    }

    protected Topic newTopic(int partitions, CleanupPolicy policy) {
        return new Topic(TestNames.unique("contract"), "id (string)", "bytes", partitions, policy, Map.of());
    }

    @Test
    void producedRecordsComeBackInOrderWithKeysAndOffsets() throws Exception {
        Topic topic = newTopic(1, CleanupPolicy.DELETE);
        try (var admin = clients.admin(); var producer = clients.producer();
             var consumer = clients.consumer(TestNames.unique("round-trip"))) {
            TopicProvisioner.from(admin, clients.config()).ensure(topic);
            for (int i = 0; i < 10; i++) {
                var meta = producer.send(new ProducerRecord<>(topic.name(), ("k" + i).getBytes(UTF_8),
                        ("v" + i).getBytes(UTF_8))).get();
                assertEquals(i, meta.offset());
            }
            consumer.subscribe(List.of(topic.name()));
            var got = readN(consumer, 10);
            assertEquals(Stream.iterate(0, i -> i + 1).limit(10).map(i -> "k" + i + "=v" + i + "@" + i).toList(),
                    got.stream().map(r -> new String(r.key(), UTF_8) + "=" + new String(r.value(), UTF_8) + "@"
                            + r.offset()).toList());
        }
    }

    @Test
    void provisioningTwiceCreatesOnceWithDeclaredLayout() throws Exception {
        Topic fixed = newTopic(2, CleanupPolicy.DELETE);
        Topic configured = newTopic(Topic.CONFIGURED_PARTITIONS, CleanupPolicy.COMPACT);
        try (var admin = clients.admin()) {
            var provisioner = new TopicProvisioner(admin, 4, (short) 1, 3_600_000L);
            var first = provisioner.ensure(fixed, configured);
            assertEquals(List.of(fixed.name(), configured.name()), first.created());
            assertEquals(List.of(), first.existing());
            var second = provisioner.ensure(fixed, configured);
            assertEquals(List.of(), second.created());
            assertEquals(List.of(fixed.name(), configured.name()), second.existing());

            var described = admin.describeTopics(List.of(fixed.name(), configured.name())).allTopicNames().get();
            assertEquals(2, described.get(fixed.name()).partitions().size());
            assertEquals(4, described.get(configured.name()).partitions().size());
            var fixedRes = new ConfigResource(ConfigResource.Type.TOPIC, fixed.name());
            var configuredRes = new ConfigResource(ConfigResource.Type.TOPIC, configured.name());
            var configs = admin.describeConfigs(List.of(fixedRes, configuredRes)).all().get();
            assertEquals("delete", configs.get(fixedRes).get("cleanup.policy").value());
            assertEquals("3600000", configs.get(fixedRes).get("retention.ms").value());
            assertEquals("compact", configs.get(configuredRes).get("cleanup.policy").value());
        }
    }

    @Test
    void catalogueProvisioningIsIdempotent() throws Exception {
        try (var admin = clients.admin()) {
            var provisioner = TopicProvisioner.from(admin, clients.config());
            var first = provisioner.ensureAll();
            assertEquals(Topics.all().size(), first.created().size() + first.existing().size());
            var second = provisioner.ensureAll();
            assertEquals(List.of(), second.created());
            assertEquals(Topics.all().stream().map(Topic::name).toList(), second.existing());
            var batches = admin.describeTopics(List.of(Topics.TRAINING_BATCHES.name(), Topics.POLICY_UPDATES.name()))
                    .allTopicNames().get();
            assertEquals(1, batches.get(Topics.TRAINING_BATCHES.name()).partitions().size());
            assertEquals(1, batches.get(Topics.POLICY_UPDATES.name()).partitions().size());
        }
    }

    @Test
    void existingTopicWithWrongCleanupPolicyIsReported() throws Exception {
        Topic declared = newTopic(1, CleanupPolicy.DELETE);
        try (var admin = clients.admin()) {
            admin.createTopics(List.of(new NewTopic(declared.name(), 1, (short) 1)
                    .configs(Map.of("cleanup.policy", "compact")))).all().get();
            var e = assertThrows(TopicMismatchException.class,
                    () -> TopicProvisioner.from(admin, clients.config()).ensure(declared));
            assertEquals(List.of("topic " + declared.name() + " has cleanup.policy=compact, expected delete"),
                    e.problems());
            assertTrue(e.getMessage().contains(declared.name()), e.getMessage());
        }
    }

    @Test
    void existingTopicWithWrongFixedPartitionCountIsReported() throws Exception {
        Topic declared = newTopic(1, CleanupPolicy.DELETE);
        try (var admin = clients.admin()) {
            admin.createTopics(List.of(new NewTopic(declared.name(), 3, (short) 1))).all().get();
            var e = assertThrows(TopicMismatchException.class,
                    () -> TopicProvisioner.from(admin, clients.config()).ensure(declared));
            assertEquals(List.of("topic " + declared.name() + " has 3 partitions, expected exactly 1"), e.problems());
        }
    }

    @Test
    void transactionalProducerCommitsAndAbortsVisibleOnlyToReadCommitted() throws Exception {
        Topic topic = newTopic(1, CleanupPolicy.DELETE);
        try (var admin = clients.admin();
             var producer = clients.transactionalProducer(TestNames.unique("tx"));
             var consumer = clients.consumer(TestNames.unique("tx-reader"))) {
            TopicProvisioner.from(admin, clients.config()).ensure(topic);
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic.name(), "a".getBytes(UTF_8), "aborted".getBytes(UTF_8)));
            producer.flush(); // written to the log, so the abort has something to hide
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic.name(), "c".getBytes(UTF_8), "committed-1".getBytes(UTF_8)));
            producer.send(new ProducerRecord<>(topic.name(), "c".getBytes(UTF_8), "committed-2".getBytes(UTF_8)));
            producer.commitTransaction();

            consumer.subscribe(List.of(topic.name()));
            var got = readN(consumer, 2);
            assertEquals(List.of("committed-1", "committed-2"),
                    got.stream().map(r -> new String(r.value(), UTF_8)).toList());
            // Offsets 0 (aborted) and 1 (abort marker) are skipped; the commit marker sits at 4.
            assertEquals(List.of(2L, 3L), got.stream().map(ConsumerRecord::offset).toList());
            assertEquals(5L, admin.listOffsets(Map.of(new org.apache.kafka.common.TopicPartition(topic.name(), 0),
                    org.apache.kafka.clients.admin.OffsetSpec.latest())).all().get().values().iterator().next()
                    .offset());
        }
    }

    /** Polls until {@code n} records arrived (or 30 s passed, then returns what came). */
    protected static List<ConsumerRecord<byte[], byte[]>> readN(KafkaConsumer<byte[], byte[]> consumer, int n) {
        var out = new ArrayList<ConsumerRecord<byte[], byte[]>>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (out.size() < n && System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(100)).forEach(out::add);
        }
        return out;
    }
}
