package io.prefstream.platform.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prefstream.platform.kafka.EmbeddedKafka;
import io.prefstream.platform.testing.EmbeddedKafkaExtension;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(EmbeddedKafkaExtension.class)
class BrokerHealthTest {

    private final EmbeddedKafka kafka;

    BrokerHealthTest(EmbeddedKafka kafka) {
        this.kafka = kafka;
    }

    @Test
    void aReachableBrokerIsUpAndAnUnreachableOneDegradesTheServiceWithTheReason() {
        try (var admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            var up = new BrokerHealth(admin, kafka.bootstrapServers()).check();
            assertEquals(HealthStatus.State.UP, up.state(), up.detail());
        }
        try (var admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1",
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 4000,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000))) {
            var down = new BrokerHealth(admin, "127.0.0.1:1").check();
            assertEquals(HealthStatus.State.DEGRADED, down.state());
            assertTrue(down.detail().startsWith("broker unreachable at 127.0.0.1:1"), down.detail());
        }
    }
}
