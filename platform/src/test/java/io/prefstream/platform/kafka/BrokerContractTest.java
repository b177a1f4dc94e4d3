package io.prefstream.platform.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.prefstream.platform.config.CommonConfig;
import io.prefstream.platform.consumer.ConsumerLoop;
import io.prefstream.platform.consumer.RecordProcessor;
import io.prefstream.platform.deadletter.DeadLetter;
import io.prefstream.platform.deadletter.DeadLetterHeaders;
import io.prefstream.platform.deadletter.DeadLetterPublisher;
import io.prefstream.platform.lag.ConsumerLagReader;
import io.prefstream.platform.lag.OffsetSample;
import io.prefstream.platform.lag.PartitionLag;
import io.prefstream.platform.testing.TestNames;
import io.prefstream.platform.topics.TopicMismatchException;
import io.prefstream.platform.topics.TopicProvisioner;
import io.prefstream.schemas.topics.CleanupPolicy;
import io.prefstream.schemas.topics.RawTopic;
import io.prefstream.schemas.topics.TopicSpec;
import io.prefstream.schemas.topics.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
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

    protected RawTopic newTopic(int partitions, CleanupPolicy policy) {
        return new RawTopic(TestNames.unique("contract"), "id (string)", partitions, policy, Map.of());
    }

    @Test
    void producedRecordsComeBackInOrderWithKeysAndOffsets() throws Exception {
        RawTopic topic = newTopic(1, CleanupPolicy.DELETE);
        try (var admin = clients.admin();
                var producer = clients.producer();
                var consumer = clients.consumer(TestNames.unique("round-trip"))) {
            TopicProvisioner.from(admin, clients.config()).ensure(topic);
            for (int i = 0; i < 10; i++) {
                var meta = producer.send(new ProducerRecord<>(
                                topic.name(), ("k" + i).getBytes(UTF_8), ("v" + i).getBytes(UTF_8)))
                        .get();
                assertEquals(i, meta.offset());
            }
            consumer.subscribe(List.of(topic.name()));
            var got = readN(consumer, 10);
            assertEquals(
                    Stream.iterate(0, i -> i + 1)
                            .limit(10)
                            .map(i -> "k" + i + "=v" + i + "@" + i)
                            .toList(),
                    got.stream()
                            .map(r ->
                                    new String(r.key(), UTF_8) + "=" + new String(r.value(), UTF_8) + "@" + r.offset())
                            .toList());
        }
    }

    @Test
    void provisioningTwiceCreatesOnceWithDeclaredLayout() throws Exception {
        RawTopic fixed = newTopic(2, CleanupPolicy.DELETE);
        RawTopic configured = newTopic(TopicSpec.CONFIGURED_PARTITIONS, CleanupPolicy.COMPACT);
        try (var admin = clients.admin()) {
            var provisioner = new TopicProvisioner(admin, 4, (short) 1, 3_600_000L);
            var first = provisioner.ensure(fixed, configured);
            assertEquals(List.of(fixed.name(), configured.name()), first.created());
            assertEquals(List.of(), first.existing());
            var second = provisioner.ensure(fixed, configured);
            assertEquals(List.of(), second.created());
            assertEquals(List.of(fixed.name(), configured.name()), second.existing());

            var described = admin.describeTopics(List.of(fixed.name(), configured.name()))
                    .allTopicNames()
                    .get();
            assertEquals(2, described.get(fixed.name()).partitions().size());
            assertEquals(4, described.get(configured.name()).partitions().size());
            var fixedRes = new ConfigResource(ConfigResource.Type.TOPIC, fixed.name());
            var configuredRes = new ConfigResource(ConfigResource.Type.TOPIC, configured.name());
            var configs = admin.describeConfigs(List.of(fixedRes, configuredRes))
                    .all()
                    .get();
            assertEquals("delete", configs.get(fixedRes).get("cleanup.policy").value());
            assertEquals("3600000", configs.get(fixedRes).get("retention.ms").value());
            assertEquals(
                    "compact", configs.get(configuredRes).get("cleanup.policy").value());
        }
    }

    @Test
    void catalogueProvisioningIsIdempotent() throws Exception {
        try (var admin = clients.admin()) {
            var provisioner = TopicProvisioner.from(admin, clients.config());
            var first = provisioner.ensureAll();
            assertEquals(
                    Topics.all().size(),
                    first.created().size() + first.existing().size());
            var second = provisioner.ensureAll();
            assertEquals(List.of(), second.created());
            assertEquals(Topics.all().stream().map(TopicSpec::name).toList(), second.existing());
            var batches = admin.describeTopics(List.of(Topics.TRAINING_BATCHES.name(), Topics.POLICY_UPDATES.name()))
                    .allTopicNames()
                    .get();
            assertEquals(
                    1, batches.get(Topics.TRAINING_BATCHES.name()).partitions().size());
            assertEquals(
                    1, batches.get(Topics.POLICY_UPDATES.name()).partitions().size());
        }
    }

    @Test
    void existingTopicWithWrongCleanupPolicyIsReported() throws Exception {
        RawTopic declared = newTopic(1, CleanupPolicy.DELETE);
        try (var admin = clients.admin()) {
            admin.createTopics(List.of(
                            new NewTopic(declared.name(), 1, (short) 1).configs(Map.of("cleanup.policy", "compact"))))
                    .all()
                    .get();
            var e = assertThrows(
                    TopicMismatchException.class,
                    () -> TopicProvisioner.from(admin, clients.config()).ensure(declared));
            assertEquals(
                    List.of("topic " + declared.name() + " has cleanup.policy=compact, expected delete"), e.problems());
            assertTrue(e.getMessage().contains(declared.name()), e.getMessage());
        }
    }

    @Test
    void existingTopicWithWrongFixedPartitionCountIsReported() throws Exception {
        RawTopic declared = newTopic(1, CleanupPolicy.DELETE);
        try (var admin = clients.admin()) {
            admin.createTopics(List.of(new NewTopic(declared.name(), 3, (short) 1)))
                    .all()
                    .get();
            var e = assertThrows(
                    TopicMismatchException.class,
                    () -> TopicProvisioner.from(admin, clients.config()).ensure(declared));
            assertEquals(List.of("topic " + declared.name() + " has 3 partitions, expected exactly 1"), e.problems());
        }
    }

    @Test
    void transactionalProducerCommitsAndAbortsVisibleOnlyToReadCommitted() throws Exception {
        RawTopic topic = newTopic(1, CleanupPolicy.DELETE);
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
            assertEquals(
                    List.of("committed-1", "committed-2"),
                    got.stream().map(r -> new String(r.value(), UTF_8)).toList());
            // Offsets 0 (aborted) and 1 (abort marker) are skipped; the commit marker sits at 4.
            assertEquals(
                    List.of(2L, 3L), got.stream().map(ConsumerRecord::offset).toList());
            assertEquals(
                    5L,
                    admin.listOffsets(Map.of(
                                    new org.apache.kafka.common.TopicPartition(topic.name(), 0),
                                    org.apache.kafka.clients.admin.OffsetSpec.latest()))
                            .all()
                            .get()
                            .values()
                            .iterator()
                            .next()
                            .offset());
        }
    }

    @Test
    void corruptRecordIsDeadLetteredWithHeadersAndLaterRecordsAreProcessed() throws Exception {
        RawTopic input = newTopic(1, CleanupPolicy.DELETE);
        RawTopic output = newTopic(1, CleanupPolicy.DELETE);
        RawTopic dlq = newTopic(1, CleanupPolicy.DELETE);
        String group = TestNames.unique("dlq-group");
        var registry = new SimpleMeterRegistry();
        try (var admin = clients.admin();
                var producer = clients.producer()) {
            TopicProvisioner.from(admin, clients.config()).ensure(input, output, dlq);
            for (int i = 0; i < 10; i++) {
                String value = i == 4 ? "CORRUPT" : "r" + i;
                var record = new ProducerRecord<>(input.name(), 0, ("k" + i).getBytes(UTF_8), value.getBytes(UTF_8));
                record.headers().add("trace-id", ("t" + i).getBytes(UTF_8));
                producer.send(record).get();
            }
            var sender = new TopicProducer(producer, new io.prefstream.schemas.registry.InMemorySchemaRegistry());
            RecordProcessor handler = (r, l) -> {
                String value = new String(r.value(), UTF_8);
                if (value.startsWith("CORRUPT")) {
                    throw new IllegalArgumentException("cannot decode payload '" + value + "'");
                }
                return sender.send(new ProducerRecord<>(
                        output.name(), r.key(), value.toUpperCase().getBytes(UTF_8)));
            };
            var lag = new ConsumerLagReader(admin);
            try (var loop = ConsumerLoop.builder()
                    .consumer(clients.consumer(group))
                    .topics(input.name())
                    .processor(handler)
                    .deadLetters(new DeadLetterPublisher(producer, registry, dlq.name()))
                    .service("test-service")
                    .registry(registry)
                    .start()) {
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (lag.totalLag(group, input.name()) > 0 && System.nanoTime() < deadline && loop.isRunning()) {
                    Thread.sleep(50);
                }
                assertEquals(0, lag.totalLag(group, input.name()), "loop failure: " + loop.failure());
            }
            try (var reader = clients.consumer(TestNames.unique("check"))) {
                reader.subscribe(List.of(output.name()));
                assertEquals(
                        List.of("R0", "R1", "R2", "R3", "R5", "R6", "R7", "R8", "R9"),
                        readN(reader, 9).stream()
                                .map(r -> new String(r.value(), UTF_8))
                                .toList());
            }
            try (var reader = clients.consumer(TestNames.unique("check-dlq"))) {
                reader.subscribe(List.of(dlq.name()));
                var dead = readN(reader, 1);
                assertEquals(1, dead.size());
                var letter = DeadLetter.from(dead.get(0));
                assertEquals(input.name(), letter.sourceTopic());
                assertEquals(0, letter.sourcePartition());
                assertEquals(4L, letter.sourceOffset());
                assertEquals("test-service", letter.service());
                assertEquals(IllegalArgumentException.class.getName(), letter.exceptionClass());
                assertEquals("cannot decode payload 'CORRUPT'", letter.exceptionMessage());
                assertEquals(DeadLetterPublisher.REASON_EXCEPTION, letter.reason());
                assertEquals("k4", new String(letter.key(), UTF_8));
                assertEquals("CORRUPT", new String(letter.value(), UTF_8));
                assertEquals(
                        "t4",
                        new String(dead.get(0).headers().lastHeader("trace-id").value(), UTF_8));
                assertEquals(
                        String.valueOf(letter.sourceOffset()),
                        new String(
                                dead.get(0)
                                        .headers()
                                        .lastHeader(DeadLetterHeaders.SOURCE_OFFSET)
                                        .value(),
                                UTF_8));
            }
            assertEquals(
                    1.0,
                    registry.get(DeadLetterPublisher.COUNTER)
                            .tag("source_topic", input.name())
                            .counter()
                            .count());
            assertEquals(
                    9.0, registry.get(ConsumerLoop.PROCESSED_COUNTER).counter().count());
            var rows = lag.describe(List.of(group));
            assertEquals(1, rows.size());
            assertEquals(OptionalLong.of(10), rows.get(0).currentOffset());
            assertEquals(10L, rows.get(0).logEndOffset());
            assertEquals(OptionalLong.of(0), rows.get(0).lag());
        }
    }

    @Test
    void lagReaderMatchesProducedAndCommittedOffsets() throws Exception {
        RawTopic topic = newTopic(2, CleanupPolicy.DELETE);
        String group = TestNames.unique("lag-group");
        String idle = TestNames.unique("idle-group");
        var p0 = new TopicPartition(topic.name(), 0);
        var p1 = new TopicPartition(topic.name(), 1);
        try (var admin = clients.admin();
                var producer = clients.producer()) {
            TopicProvisioner.from(admin, clients.config()).ensure(topic);
            for (int i = 0; i < 7; i++) {
                producer.send(new ProducerRecord<>(topic.name(), 0, null, new byte[] {(byte) i}))
                        .get();
            }
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>(topic.name(), 1, null, new byte[] {(byte) i}))
                        .get();
            }
            try (var consumer = clients.consumer(group)) {
                consumer.assign(List.of(p0, p1));
                consumer.commitSync(Map.of(p0, new OffsetAndMetadata(3), p1, new OffsetAndMetadata(5)));
            }
            var lag = new ConsumerLagReader(admin);
            var rows = lag.describe(List.of(group));
            assertEquals(
                    List.of(
                            new PartitionLag(
                                    group, topic.name(), 0, OptionalLong.of(3), 7, OptionalLong.of(4), "-", "-", "-"),
                            new PartitionLag(
                                    group, topic.name(), 1, OptionalLong.of(5), 5, OptionalLong.of(0), "-", "-", "-")),
                    rows);
            assertTrue(lag.describeAll().containsAll(rows));
            assertEquals(4, lag.totalLag(group, topic.name()));
            assertEquals(12, lag.totalLag(idle, topic.name()), "no commits: counts from the log start");
            assertEquals(List.of(), lag.describe(List.of(idle)));

            OffsetSample before = lag.sample(List.of(topic.name()));
            assertEquals(Map.of(p0, 7L, p1, 5L), before.logEndOffsets());
            for (int i = 0; i < 6; i++) {
                producer.send(new ProducerRecord<>(topic.name(), i % 2, null, new byte[] {(byte) i}))
                        .get();
            }
            OffsetSample after = lag.sample(List.of(topic.name()));
            assertEquals(Map.of(p0, 10L, p1, 8L), after.logEndOffsets());
            double seconds = (after.nanoTime() - before.nanoTime()) / 1e9;
            assertEquals(3 / seconds, after.ratesSince(before).get(p0), 1e-9);
            assertEquals(6 / seconds, after.topicRateSince(before, topic.name()), 1e-9);
        }
    }

    @Test
    void kafkaStreamsRunsExactlyOnceV2() throws Exception {
        RawTopic input = newTopic(1, CleanupPolicy.DELETE);
        RawTopic output = newTopic(1, CleanupPolicy.DELETE);
        try (var admin = clients.admin();
                var producer = clients.producer()) {
            TopicProvisioner.from(admin, clients.config()).ensure(input, output);
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>(input.name(), ("k" + i).getBytes(UTF_8), ("v" + i).getBytes(UTF_8)))
                        .get();
            }
            var builder = new StreamsBuilder();
            builder.stream(input.name(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                    .mapValues(v -> new String(v, UTF_8).toUpperCase().getBytes(UTF_8))
                    .to(output.name(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
            var props = clients.streamsProperties(TestNames.unique("eos-app"));
            assertEquals("exactly_once_v2", props.get("processing.guarantee"));
            try (var streams = new KafkaStreams(builder.build(), props);
                    var reader = clients.consumer(TestNames.unique("eos-check"))) {
                streams.start();
                reader.subscribe(List.of(output.name()));
                assertEquals(
                        List.of("V0", "V1", "V2", "V3", "V4"),
                        readN(reader, 5).stream()
                                .map(r -> new String(r.value(), UTF_8))
                                .toList());
            }
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
