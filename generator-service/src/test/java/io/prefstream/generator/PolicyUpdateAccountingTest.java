package io.prefstream.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.prefstream.platform.testing.TestNames;
import io.prefstream.schemas.PolicyUpdate;
import io.prefstream.schemas.registry.SchemaRegistries;
import io.prefstream.schemas.serde.AvroDecoder;
import io.prefstream.schemas.serde.AvroEncoder;
import io.prefstream.schemas.topics.Topics;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The generator reads its own entry of the trainer's online accounting off a policy update's bytes. */
class PolicyUpdateAccountingTest {

    private static PolicyUpdate.Builder update() {
        return PolicyUpdate.newBuilder()
                .setPolicy("policy")
                .setVersion(4)
                .setCheckpointUri("file:/tmp/x")
                .setSha256("ab")
                .setBytes(0)
                .setTrainerStep(40)
                .setCreatedAtMs(0);
    }

    @Test
    void ownEntryIsReadZeroWhenAbsentAndUnknownWithoutTheField() {
        String scope = TestNames.unique("accounting");
        var registry = SchemaRegistries.mockScope(scope);
        try {
            var encoder = new AvroEncoder<PolicyUpdate>(registry);
            var decoder = new AvroDecoder<>(PolicyUpdate.class, registry);
            String topic = Topics.POLICY_UPDATES.name();
            var with = decoder.decode(
                    topic,
                    encoder.encode(
                            topic,
                            update().setOnlineAccounted(Map.of("gen-a", 880L, "gen-b", 3L))
                                    .build()));
            assertEquals(880, PolicyFollower.accountedOf(with, "gen-a"));
            assertEquals(0, PolicyFollower.accountedOf(with, "gen-c"), "nothing of gen-c accounted yet");
            var without = decoder.decode(topic, encoder.encode(topic, update().build()));
            assertEquals(-1, PolicyFollower.accountedOf(without, "gen-a"), "a trainer that predates the field");
        } finally {
            SchemaRegistries.dropScope(scope);
        }
    }
}
