package io.prefstream.platform.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prefstream.platform.config.CommonConfig;
import io.prefstream.platform.config.CommonSettings;
import io.prefstream.platform.config.ConfigException;
import io.prefstream.platform.config.ConfigLoader;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Client properties: guarantees always on, passthrough applied per client type. */
class KafkaClientsTest {

    private static KafkaClients clients(Map<String, String> env) {
        var resolved = ConfigLoader.forSettings(CommonSettings.ALL)
                .withEnv(env)
                .withOverrides(Map.of("data.dir", "/var/lib/prefstream", "service.id", "gen-1"))
                .load();
        return new KafkaClients(CommonConfig.from(resolved));
    }

    @Test
    void consumerCommitsManuallyReadsCommittedAndGetsConsumerPassthrough() {
        var props = clients(Map.of(
                        "PREFSTREAM_KAFKA_SASL_MECHANISM",
                        "PLAIN",
                        "PREFSTREAM_KAFKA_MAX_POLL_RECORDS",
                        "50",
                        "PREFSTREAM_KAFKA_LINGER_MS",
                        "7",
                        "PREFSTREAM_BOOTSTRAP_SERVERS",
                        "k1:9092,k2:9092"))
                .consumerProperties("generator");
        assertEquals("k1:9092,k2:9092", props.get("bootstrap.servers"));
        assertEquals("generator", props.get("group.id"));
        assertEquals("false", props.get("enable.auto.commit"));
        assertEquals("read_committed", props.get("isolation.level"));
        assertEquals("earliest", props.get("auto.offset.reset"));
        assertEquals("PLAIN", props.get("sasl.mechanism"));
        assertEquals("50", props.get("max.poll.records"));
        assertFalse(props.containsKey("linger.ms"), "producer-only key kept away from consumers");
        assertTrue(props.get("client.id").toString().startsWith("gen-1-consumer-generator-"));
    }

    @Test
    void producerIsIdempotentWithAcksAllAndGetsProducerPassthrough() {
        var props = clients(Map.of(
                        "PREFSTREAM_KAFKA_LINGER_MS",
                        "7",
                        "PREFSTREAM_KAFKA_MAX_POLL_RECORDS",
                        "50",
                        "PREFSTREAM_KAFKA_SECURITY_PROTOCOL",
                        "SASL_SSL"))
                .producerProperties();
        assertEquals("true", props.get("enable.idempotence"));
        assertEquals("all", props.get("acks"));
        assertEquals("7", props.get("linger.ms"));
        assertEquals("SASL_SSL", props.get("security.protocol"));
        assertFalse(props.containsKey("max.poll.records"));
    }

    @Test
    void passthroughThatBreaksAGuaranteeIsRejected() {
        var autoCommit = assertThrows(
                ConfigException.class,
                () -> clients(Map.of("PREFSTREAM_KAFKA_ENABLE_AUTO_COMMIT", "true"))
                        .consumerProperties("g"));
        assertEquals(
                "Invalid value 'true' for kafka.enable.auto.commit: expected false (Prefstream's delivery "
                        + "guarantees rely on it), or leave it unset",
                autoCommit.getMessage());
        assertThrows(
                ConfigException.class,
                () -> clients(Map.of("PREFSTREAM_KAFKA_ACKS", "1")).producerProperties());
        var eos = assertThrows(
                ConfigException.class,
                () -> clients(Map.of("PREFSTREAM_KAFKA_PROCESSING_GUARANTEE", "at_least_once"))
                        .streamsProperties("app"));
        assertTrue(eos.getMessage().startsWith("Invalid value 'at_least_once' for kafka.processing.guarantee"));
    }

    @Test
    void streamsPropertiesUseExactlyOnceStateUnderDataDirAndPassthrough() {
        var props = clients(
                        Map.of("PREFSTREAM_KAFKA_SASL_MECHANISM", "PLAIN", "PREFSTREAM_TOPICS_REPLICATION_FACTOR", "3"))
                .streamsProperties("prefstream-label-join");
        assertEquals("prefstream-label-join", props.get("application.id"));
        assertEquals("exactly_once_v2", props.get("processing.guarantee"));
        assertEquals(Path.of("/var/lib/prefstream/streams").toString(), props.get("state.dir"));
        assertEquals("100", props.get("commit.interval.ms"));
        assertEquals("3", props.get("replication.factor"));
        assertEquals("PLAIN", props.get("sasl.mechanism"));
        assertEquals("localhost:9092", props.get("bootstrap.servers"));
    }
}
