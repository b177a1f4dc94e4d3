package io.prefstream.platform.kafka;

import io.prefstream.platform.testing.EmbeddedKafkaExtension;
import org.junit.jupiter.api.extension.ExtendWith;

/** The broker contract on the in-process KRaft broker shared by this JVM's tests. */
@ExtendWith(EmbeddedKafkaExtension.class)
class EmbeddedBrokerContractTest extends BrokerContractTest {

    private final EmbeddedKafka kafka;

    EmbeddedBrokerContractTest(EmbeddedKafka kafka) {
        this.kafka = kafka;
    }

    @Override
    protected String bootstrapServers() {
        return kafka.bootstrapServers();
    }
}
