package io.prefstream.trainer.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.prefstream.platform.testing.TestNames;
import io.prefstream.schemas.PolicyUpdate;
import io.prefstream.schemas.registry.SchemaRegistries;
import io.prefstream.schemas.serde.AvroDecoder;
import io.prefstream.schemas.serde.AvroEncoder;
import io.prefstream.schemas.topics.Topics;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The trainer's report of online accounting: kept in the checkpoint state and written on policy updates. */
class OnlineAccountingTest {

    private static TrainerState state(Map<String, Long> accounted) {
        return new TrainerState(40, 2, 40, 17, 39, -1, "ab", List.of(38L, 39L), List.of(), List.of(), accounted);
    }

    @Test
    void countsSurviveTheCheckpointMetadata() {
        var counts = Map.of("prefstream-generator-host-42", 1234L, "odd,id=x", 7L);
        var back = TrainerState.fromMetadata(state(counts).toMetadata(), "test");
        assertEquals(counts, back.onlineAccounted());
        assertEquals(state(counts), back);
    }

    @Test
    void olderCheckpointsHaveNoCounts() {
        var metadata = new java.util.HashMap<>(state(Map.of("g", 1L)).toMetadata());
        metadata.remove("online_accounted");
        assertNull(TrainerState.fromMetadata(metadata, "test").onlineAccounted());
        assertNull(state(null).toMetadata().get("online_accounted"));
    }

    @Test
    void policyUpdatesCarryTheCountsOfTheCheckpointState() {
        String scope = TestNames.unique("accounting");
        var registry = SchemaRegistries.mockScope(scope);
        try {
            var update = PolicyPublisher.update(
                    "policy", 3, "file:/tmp/x", "ab", 10, state(Map.of("g1", 880L, "g2", 5L)), Map.of());
            byte[] bytes = new AvroEncoder<PolicyUpdate>(registry).encode(Topics.POLICY_UPDATES.name(), update);
            var read = new AvroDecoder<>(PolicyUpdate.class, registry).decode(Topics.POLICY_UPDATES.name(), bytes);
            assertEquals(Map.of("g1", 880L, "g2", 5L), read.getOnlineAccounted());
            assertEquals(39L, read.getConsumedBatchSequence());
            var none = PolicyPublisher.update("policy", 3, "file:/tmp/x", "ab", 10, state(null), Map.of());
            assertNull(none.getOnlineAccounted(), "nothing consumed that carried counts: no report");
        } finally {
            SchemaRegistries.dropScope(scope);
        }
    }
}
