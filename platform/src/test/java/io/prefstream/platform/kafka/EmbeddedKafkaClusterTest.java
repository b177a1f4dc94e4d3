package io.prefstream.platform.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Node processes: a clean stop and a restart keep the log; close leaves no process and no temporary dir. */
class EmbeddedKafkaClusterTest {

    @Test
    void aStoppedNodeRestartsOnItsPortsWithItsRecords(@TempDir Path state) throws Exception {
        var topic = new RawTopic("cluster-lifecycle", "id (string)", 1, CleanupPolicy.DELETE, Map.of());
        Path dir;
        try (var cluster = EmbeddedKafkaCluster.builder().size(1).start()) {
            dir = cluster.nodeDir(1);
            String bootstrap = cluster.bootstrapServers();
            assertEquals(bootstrap, cluster.bootstrapServers(1));
            var clients = new KafkaClients(CommonConfig.local(bootstrap, state));
            try (var admin = clients.admin();
                    var producer = clients.producer()) {
                TopicProvisioner.from(admin, clients.config()).ensure(topic);
                for (int i = 0; i < 5; i++) {
                    producer.send(new ProducerRecord<>(topic.name(), ("v" + i).getBytes(UTF_8)))
                            .get();
                }
            }
            cluster.stop(1);
            assertFalse(cluster.isRunning(1));
            assertThrows(IllegalStateException.class, () -> cluster.kill(1));

            cluster.restart(1);
            assertTrue(cluster.isRunning(1));
            assertEquals(bootstrap, cluster.bootstrapServers(), "same ports after a restart");
            assertThrows(IllegalStateException.class, () -> cluster.restart(1));
            try (var consumer = clients.consumer("cluster-lifecycle-reader")) {
                var tp = new TopicPartition(topic.name(), 0);
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                var values = new ArrayList<String>();
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (values.size() < 5 && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(new String(r.value(), UTF_8)));
                }
                assertEquals(List.of("v0", "v1", "v2", "v3", "v4"), values);
            }
            assertTrue(cluster.logTail(1, 5).contains("ready"), cluster.logTail(1, 5));
        }
        assertFalse(Files.exists(dir), "temporary data dir deleted on close");
        assertEquals(
                List.of(),
                ProcessHandle.current()
                        .children()
                        .filter(ProcessHandle::isAlive)
                        .toList(),
                "node processes left");
    }
}
