package io.prefstream.schemas.topics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.prefstream.schemas.Prompt;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicsTest {

    @Test
    void catalogueDeclaresEveryTopicOnceWithItsValueType() {
        assertEquals(
                List.of(
                        "prefstream.prompts",
                        "prefstream.rollouts",
                        "prefstream.label-requests",
                        "prefstream.labels",
                        "prefstream.preferences",
                        "prefstream.offline-preferences",
                        "prefstream.training-batches",
                        "prefstream.policy-updates",
                        "prefstream.metrics",
                        "prefstream.stale",
                        "prefstream.dead-letters"),
                Topics.all().stream().map(TopicSpec::name).toList());
        assertEquals(
                List.of(
                        "io.prefstream.schemas.Prompt",
                        "io.prefstream.schemas.Rollout",
                        "io.prefstream.schemas.LabelRequest",
                        "io.prefstream.schemas.Label",
                        "io.prefstream.schemas.LabeledRollout",
                        "io.prefstream.schemas.PreferencePair",
                        "io.prefstream.schemas.TrainingBatch",
                        "io.prefstream.schemas.PolicyUpdate",
                        "io.prefstream.schemas.TrainerMetrics",
                        "bytes",
                        "bytes"),
                Topics.all().stream().map(TopicSpec::valueTypeName).toList());
    }

    @Test
    void onlyPolicyUpdatesIsCompactedAndOnlyBatchesAndPoliciesFixPartitions() {
        assertEquals(
                List.of(Topics.POLICY_UPDATES),
                Topics.all().stream()
                        .filter(t -> t.cleanupPolicy() == CleanupPolicy.COMPACT)
                        .toList());
        assertEquals(
                List.of(Topics.TRAINING_BATCHES, Topics.POLICY_UPDATES),
                Topics.all().stream()
                        .filter(t -> t.partitions() != TopicSpec.CONFIGURED_PARTITIONS)
                        .toList());
        assertEquals(1, Topics.TRAINING_BATCHES.partitions(6));
        assertEquals(6, Topics.ROLLOUTS.partitions(6));
        assertEquals(Topics.LABELS, Topics.byName("prefstream.labels").orElseThrow());
    }

    @Test
    void badTopicDeclarationsAreRejected() {
        assertEquals(
                "Topic name 'a b' must be 1-249 characters of [a-zA-Z0-9._-]",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> new Topic<>("a b", "k", Prompt.class, 1, CleanupPolicy.DELETE, Map.of()))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> new RawTopic("t", "k", 0, CleanupPolicy.DELETE, Map.of()));
        assertThrows(
                IllegalArgumentException.class,
                () -> new Topic<>(
                        "t", "k", Prompt.class, 1, CleanupPolicy.DELETE, Map.of("cleanup.policy", "compact")));
    }
}
