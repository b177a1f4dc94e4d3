package io.prefstream.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prefstream.platform.config.CommonConfig;
import io.prefstream.platform.kafka.KafkaClients;
import io.prefstream.platform.testing.EmbeddedKafkaExtension;
import io.prefstream.platform.testing.TestNames;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code prefstream lag} reports exactly the offsets a group committed and the log-end offsets produced. */
@ExtendWith(EmbeddedKafkaExtension.class)
class LagCommandTest {

    @Test
    void lagMatchesProducedAndCommittedOffsets(io.prefstream.platform.kafka.EmbeddedKafka kafka) throws Exception {
        String topic = TestNames.unique("lag-topic");
        String group = TestNames.unique("lag-group");
        String idle = TestNames.unique("idle-group");
        var clients = new KafkaClients(CommonConfig.local(kafka.bootstrapServers(), Path.of(".")));
        try (var admin = clients.admin();
                var producer = clients.producer()) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
            for (int i = 0; i < 7; i++) {
                producer.send(new ProducerRecord<>(topic, 0, null, new byte[] {(byte) i}))
                        .get();
            }
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>(topic, 1, null, new byte[] {(byte) i}))
                        .get();
            }
            admin.alterConsumerGroupOffsets(
                            group,
                            Map.of(
                                    new TopicPartition(topic, 0),
                                    new OffsetAndMetadata(4),
                                    new TopicPartition(topic, 1),
                                    new OffsetAndMetadata(3)))
                    .all()
                    .get();
            admin.alterConsumerGroupOffsets(idle, Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(0)))
                    .all()
                    .get();
        }

        var result =
                Cli.run("lag", "--bootstrap", kafka.bootstrapServers(), "--group", group, "--json", "--window", "0.5");
        assertEquals(0, result.exitCode(), result.err());
        JsonNode json = new ObjectMapper().readTree(result.lastLine());
        var byPartition = new HashMap<Integer, JsonNode>();
        json.get("partitions").forEach(p -> byPartition.put(p.get("partition").asInt(), p));
        assertEquals(2, byPartition.size(), json.toString());
        assertEquals(group, byPartition.get(0).get("group").asText());
        assertEquals(topic, byPartition.get(0).get("topic").asText());
        assertEquals(4, byPartition.get(0).get("current_offset").asLong());
        assertEquals(7, byPartition.get(0).get("log_end_offset").asLong());
        assertEquals(3, byPartition.get(0).get("lag").asLong());
        assertEquals(3, byPartition.get(1).get("current_offset").asLong());
        assertEquals(3, byPartition.get(1).get("log_end_offset").asLong());
        assertEquals(0, byPartition.get(1).get("lag").asLong());
        assertEquals(0.0, byPartition.get(0).get("produced_per_s").asDouble(), "nothing produced during the window");

        var table = Cli.run("lag", "--bootstrap", kafka.bootstrapServers(), "--window", "0");
        assertEquals(0, table.exitCode(), table.err());
        var lines = table.out().lines().toList();
        assertTrue(lines.get(0).startsWith("GROUP"), table.out());
        assertTrue(
                lines.stream().anyMatch(l -> l.matches(idle + "\\s+" + topic + "\\s+0\\s+0\\s+7\\s+7\\s+.*")),
                table.out());
        assertTrue(
                lines.stream().anyMatch(l -> l.matches(group + "\\s+" + topic + "\\s+0\\s+4\\s+7\\s+3\\s+.*")),
                table.out());
        assertTrue(lines.stream().allMatch(l -> l.length() <= 120), "fits 120 columns:\n" + table.out());
        assertTrue(!lines.get(0).contains("CLIENT-ID"), lines.get(0));
        var wide = Cli.run("lag", "--bootstrap", kafka.bootstrapServers(), "--window", "0", "--wide");
        assertTrue(wide.out().lines().findFirst().orElseThrow().endsWith("CONSUMER-ID  HOST  CLIENT-ID"), wide.out());
    }

    @Test
    void unreachableClusterFailsWithAClearMessage() {
        long started = System.nanoTime();
        var result = Cli.run("lag", "--bootstrap", "127.0.0.1:1", "--window", "0");
        double seconds = (System.nanoTime() - started) / 1e9;
        assertEquals(PrefstreamCommand.EXIT_FAILURE, result.exitCode());
        assertTrue(
                result.err()
                        .startsWith(
                                "prefstream lag: no Kafka broker answered at --bootstrap 127.0.0.1:1 " + "within 5 s"),
                result.err());
        assertTrue(seconds < 8, "gave up after " + seconds + " s");
    }
}
