package io.prefstream.platform.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prefstream.platform.config.CommonConfig;
import io.prefstream.platform.topics.TopicProvisioner;
import io.prefstream.schemas.topics.CleanupPolicy;
import io.prefstream.schemas.topics.RawTopic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broker lifecycle: restart on the same data dir keeps records; temp dirs go; no threads linger. */
class EmbeddedKafkaTest {

    @Test
    void restartWithSameDataDirKeepsTopicsAndRecords(@TempDir Path dir) throws Exception {
        var topic = new RawTopic("restart-test", "id (string)", 2, CleanupPolicy.DELETE, Map.of());
        String firstBootstrap;
        try (var kafka = EmbeddedKafka.builder().dataDir(dir).start()) {
            firstBootstrap = kafka.bootstrapServers();
            var clients = new KafkaClients(CommonConfig.local(kafka.bootstrapServers(), dir));
            try (var admin = clients.admin();
                    var producer = clients.producer()) {
                assertEquals(
                        List.of("restart-test"),
                        TopicProvisioner.from(admin, clients.config())
                                .ensure(topic)
                                .created());
                for (int i = 0; i < 5; i++) {
                    producer.send(new ProducerRecord<>(
                                    topic.name(), 0, ("k" + i).getBytes(UTF_8), ("v" + i).getBytes(UTF_8)))
                            .get();
                }
            }
        }
        assertTrue(Files.exists(dir.resolve("kraft-combined-logs/meta.properties")), "data dir kept after close");

        try (var kafka = EmbeddedKafka.builder().dataDir(dir).start()) {
            assertNotEquals("", kafka.bootstrapServers());
            var clients = new KafkaClients(CommonConfig.local(kafka.bootstrapServers(), dir));
            try (var admin = clients.admin();
                    var consumer = clients.consumer("restart-reader")) {
                var result = TopicProvisioner.from(admin, clients.config()).ensure(topic);
                assertEquals(List.of(), result.created());
                assertEquals(List.of("restart-test"), result.existing());
                consumer.subscribe(List.of(topic.name()));
                var values = new ArrayList<String>();
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (values.size() < 5 && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        values.add(new String(r.value(), UTF_8) + "@" + r.partition() + ":" + r.offset());
                    }
                }
                assertEquals(List.of("v0@0:0", "v1@0:1", "v2@0:2", "v3@0:3", "v4@0:4"), values);
            }
        }
        // Sanity: the first run really used its own port (ports are picked per start).
        assertFalse(firstBootstrap.isEmpty());
    }

    @Test
    void temporaryDataDirIsDeletedAndNoNonDaemonThreadRemains() throws Exception {
        Set<Thread> before = nonDaemonThreads();
        Path dir;
        try (var kafka = EmbeddedKafka.start()) {
            dir = kafka.dataDir();
            assertTrue(Files.isDirectory(dir));
            assertTrue(kafka.bootstrapServers().startsWith("127.0.0.1:"), kafka.bootstrapServers());
        }
        assertFalse(Files.exists(dir), "temporary data dir deleted on close");
        // Threads finish asynchronously after shutdown returns; wait for them rather than time them.
        Set<String> lingering = Set.of();
        for (int i = 0; i < 100; i++) {
            lingering = nonDaemonThreads().stream()
                    .filter(t -> !before.contains(t))
                    .map(Thread::getName)
                    .collect(Collectors.toSet());
            if (lingering.isEmpty()) {
                break;
            }
            Thread.sleep(100);
        }
        assertEquals(Set.of(), lingering, "non-daemon threads left by the broker");
    }

    private static Set<Thread> nonDaemonThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !t.isDaemon())
                .collect(Collectors.toSet());
    }
}
