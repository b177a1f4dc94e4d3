package io.prefstream.platform.deadletter;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.prefstream.platform.config.CommonConfig;
import io.prefstream.platform.consumer.ConsumerLoop;
import io.prefstream.platform.kafka.EmbeddedKafka;
import io.prefstream.platform.kafka.KafkaClients;
import io.prefstream.platform.kafka.TopicReader;
import io.prefstream.platform.testing.EmbeddedKafkaExtension;
import io.prefstream.platform.testing.TestNames;
import io.prefstream.platform.topics.TopicProvisioner;
import io.prefstream.schemas.topics.CleanupPolicy;
import io.prefstream.schemas.topics.RawTopic;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, item 1: a record of about 1 MiB, which the broker accepts, must be dead-lettered (its
 * dead letter bounded to fit) and processing must go on, on a real broker with the default
 * {@code max.request.size} and {@code message.max.bytes}: in a consumer loop and in Kafka Streams.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class OversizedRecordTest {

    /** The size the probe found the broker accepts and the old dead letter could not carry. */
    private static final int NEAR_LIMIT = 1_048_400;

    private final EmbeddedKafka kafka;
    private KafkaClients clients;

    @TempDir
    Path dataDir;

    OversizedRecordTest(EmbeddedKafka kafka) {
        this.kafka = kafka;
    }

    @BeforeEach
    void clients() {
        clients = new KafkaClients(CommonConfig.local(kafka.bootstrapServers(), dataDir));
    }

    private RawTopic topic(String prefix) {
        return new RawTopic(TestNames.unique(prefix), "id (string)", 1, CleanupPolicy.DELETE, Map.of());
    }

    private static byte[] big() {
        byte[] value = new byte[NEAR_LIMIT];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) (i * 7);
        }
        return value;
    }

    private List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        var out = new ArrayList<ConsumerRecord<byte[], byte[]>>();
        TopicReader.readToEnd(clients, topic, Duration.ofSeconds(60), out::add);
        return out;
    }

    private void send(String topic, String key, byte[] value) throws Exception {
        try (var producer = clients.producer()) {
            producer.send(new ProducerRecord<>(topic, key.getBytes(UTF_8), value))
                    .get();
        }
    }

    @Test
    void aConsumerLoopDeadLettersANearlyOneMebibyteRecordAndGoesOn() throws Exception {
        var in = topic("big-in");
        var dlq = topic("big-dlq");
        try (var admin = clients.admin()) {
            TopicProvisioner.from(admin, clients.config()).ensure(in, dlq);
        }
        send(in.name(), "huge", big());
        send(in.name(), "next", "fine".getBytes(UTF_8));
        var handled = new CopyOnWriteArrayList<String>();
        var registry = new SimpleMeterRegistry();
        try (var producer = clients.producer();
                var loop = ConsumerLoop.builder()
                        .group(clients, TestNames.unique("big-group"))
                        .topics(in.name())
                        .processor((r, l) -> {
                            if (r.value().length > 1000) {
                                throw new IllegalArgumentException("not a valid record");
                            }
                            handled.add(new String(r.value(), UTF_8));
                            return CompletableFuture.completedFuture(null);
                        })
                        .deadLetters(new DeadLetterPublisher(producer, registry, dlq.name()))
                        .service("big-test")
                        .registry(registry)
                        .start()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (loop.commits() == 0 || handled.isEmpty()) {
                assertTrue(loop.isRunning(), "loop stopped: " + loop.failure());
                assertTrue(System.nanoTime() < deadline, "nothing committed in 90 s");
                Thread.sleep(50);
            }
            assertEquals(List.of("fine"), handled);
            assertEquals(0, loop.lostDeadLetters());
        }
        var letters = readAll(dlq.name());
        assertEquals(1, letters.size());
        var letter = letters.get(0);
        assertEquals("huge", new String(letter.key(), UTF_8));
        assertEquals("true", header(letter, DeadLetterHeaders.VALUE_TRUNCATED));
        assertEquals(Integer.toString(NEAR_LIMIT), header(letter, DeadLetterHeaders.VALUE_ORIGINAL_BYTES));
        assertEquals(Letter.sha256(big()), header(letter, DeadLetterHeaders.VALUE_SHA256));
        assertEquals("0", header(letter, DeadLetterHeaders.SOURCE_OFFSET));
    }

    @Test
    void aStreamsTopologyDeadLettersANearlyOneMebibyteRecordAndKeepsRunning() throws Exception {
        var in = topic("big-streams-in");
        var out = topic("big-streams-out");
        var dlq = topic("big-streams-dlq");
        try (var admin = clients.admin()) {
            TopicProvisioner.from(admin, clients.config()).ensure(in, out, dlq);
        }
        send(in.name(), "huge", big());
        send(in.name(), "next", "fine".getBytes(UTF_8));
        var deadLetters = new StreamsDeadLetters("big-streams", new SimpleMeterRegistry());
        var topology = new org.apache.kafka.streams.Topology();
        topology.addSource("in", in.name());
        topology.addProcessor(
                "route",
                () -> new Processor<byte[], byte[], byte[], byte[]>() {
                    private ProcessorContext<byte[], byte[]> context;

                    @Override
                    public void init(ProcessorContext<byte[], byte[]> context) {
                        this.context = context;
                    }

                    @Override
                    public void process(Record<byte[], byte[]> record) {
                        var meta = context.recordMetadata().orElseThrow();
                        if (record.value().length > 1000) {
                            var letter = deadLetters.letter(
                                    SourcedRecord.of(meta.topic(), meta.partition(), meta.offset(), record),
                                    "undecodable",
                                    null,
                                    new IllegalArgumentException("not a valid record"),
                                    context.currentSystemTimeMs());
                            context.forward(
                                    new Record<>(letter.key(), letter.value(), record.timestamp(), letter.headers()),
                                    "dlq");
                        } else {
                            context.forward(record, "out");
                        }
                    }
                },
                "in");
        topology.addSink("dlq", dlq.name(), "route");
        topology.addSink("out", out.name(), "route");
        var props = clients.streamsProperties(TestNames.unique("big-streams-app"));
        props.put(org.apache.kafka.streams.StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        props.put(org.apache.kafka.streams.StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        try (var streams = new KafkaStreams(topology, props)) {
            streams.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            List<ConsumerRecord<byte[], byte[]>> outputs = List.of();
            while (outputs.isEmpty()) {
                assertTrue(
                        streams.state() != KafkaStreams.State.ERROR
                                && streams.state() != KafkaStreams.State.NOT_RUNNING,
                        "Streams stopped: " + streams.state());
                assertTrue(System.nanoTime() < deadline, "no output in 90 s");
                Thread.sleep(200);
                outputs = readAll(out.name());
            }
            assertEquals("fine", new String(outputs.get(0).value(), UTF_8));
            assertEquals(KafkaStreams.State.RUNNING, streams.state());
        }
        var letters = readAll(dlq.name());
        assertEquals(1, letters.size());
        assertEquals("true", header(letters.get(0), DeadLetterHeaders.VALUE_TRUNCATED));
        assertEquals(Integer.toString(NEAR_LIMIT), header(letters.get(0), DeadLetterHeaders.VALUE_ORIGINAL_BYTES));
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        var h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), UTF_8);
    }
}
