package io.prefstream.schemas.topics;

import io.prefstream.schemas.Label;
import io.prefstream.schemas.LabelRequest;
import io.prefstream.schemas.LabeledRollout;
import io.prefstream.schemas.PolicyUpdate;
import io.prefstream.schemas.PreferencePair;
import io.prefstream.schemas.Prompt;
import io.prefstream.schemas.Rollout;
import io.prefstream.schemas.TrainerMetrics;
import io.prefstream.schemas.TrainingBatch;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;

/**
 * The topic catalogue: every topic of the dataflow, declared once with the type of its values.
 * Services refer to these constants, never to topic-name strings or value-type names.
 */
public final class Topics {

    private Topics() {}

    private static final int C = TopicSpec.CONFIGURED_PARTITIONS;

    public static final Topic<Prompt> PROMPTS = delete("prefstream.prompts", "prompt id", Prompt.class, C);
    /** One record per prompt holding its whole group of K completions. */
    public static final Topic<Rollout> ROLLOUTS = delete("prefstream.rollouts", "prompt id", Rollout.class, C);

    public static final Topic<LabelRequest> LABEL_REQUESTS =
            delete("prefstream.label-requests", "rollout id", LabelRequest.class, C);
    public static final Topic<Label> LABELS = delete("prefstream.labels", "rollout id", Label.class, C);
    /** Output of the label join: rollouts with their aggregated labels. */
    public static final Topic<LabeledRollout> PREFERENCES =
            delete("prefstream.preferences", "rollout id", LabeledRollout.class, C);

    public static final Topic<PreferencePair> OFFLINE_PREFERENCES =
            delete("prefstream.offline-preferences", "pair id", PreferencePair.class, C);
    /** One partition: the trainer is a single consumer and batches are consumed in order. */
    public static final Topic<TrainingBatch> TRAINING_BATCHES =
            delete("prefstream.training-batches", "batch id", TrainingBatch.class, 1);
    /** Compacted, one partition: the latest policy per key is all a generator needs at start-up. */
    public static final Topic<PolicyUpdate> POLICY_UPDATES = new Topic<>(
            "prefstream.policy-updates",
            "policy name (string)",
            PolicyUpdate.class,
            1,
            CleanupPolicy.COMPACT,
            Map.of("min.compaction.lag.ms", "0"));

    /**
     * Keyed by policy name, so one policy's records keep their order; a step republished after a
     * trainer restart supersedes the earlier record ({@link io.prefstream.schemas.MetricsKey}).
     */
    public static final Topic<TrainerMetrics> METRICS =
            delete("prefstream.metrics", "policy name", TrainerMetrics.class, C);
    /** Records beyond the staleness bound, as their original bytes (headers say why). */
    public static final RawTopic STALE =
            new RawTopic("prefstream.stale", "original key (string)", C, CleanupPolicy.DELETE, Map.of());
    /** Records no service could process, as their original bytes with {@code dlq.*} headers. */
    public static final RawTopic DEAD_LETTERS =
            new RawTopic("prefstream.dead-letters", "original key (string)", C, CleanupPolicy.DELETE, Map.of());

    private static final List<TopicSpec> ALL = List.of(
            PROMPTS,
            ROLLOUTS,
            LABEL_REQUESTS,
            LABELS,
            PREFERENCES,
            OFFLINE_PREFERENCES,
            TRAINING_BATCHES,
            POLICY_UPDATES,
            METRICS,
            STALE,
            DEAD_LETTERS);

    /** Every topic, in dataflow order. */
    public static List<TopicSpec> all() {
        return ALL;
    }

    public static Optional<TopicSpec> byName(String name) {
        return ALL.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    private static <V extends SpecificRecord> Topic<V> delete(String name, String key, Class<V> value, int partitions) {
        return new Topic<>(name, key + " (string)", value, partitions, CleanupPolicy.DELETE, Map.of());
    }
}
