package io.prefstream.platform.topics;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The topic catalogue: every topic of the dataflow, declared once. Services refer to these
 * constants, never to topic-name strings. Value types name the Avro classes generated in
 * {@code io.prefstream.schemas}; the platform never loads them.
 */
public final class Topics {

    private Topics() {}

    private static final String SCHEMAS = "io.prefstream.schemas.";
    private static final int C = Topic.CONFIGURED_PARTITIONS;

    public static final Topic PROMPTS = delete("prefstream.prompts", "prompt id", SCHEMAS + "Prompt", C);
    /** One record per prompt holding its whole group of K completions. */
    public static final Topic ROLLOUTS = delete("prefstream.rollouts", "prompt id", SCHEMAS + "Rollout", C);

    public static final Topic LABEL_REQUESTS =
            delete("prefstream.label-requests", "rollout id", SCHEMAS + "LabelRequest", C);
    public static final Topic LABELS = delete("prefstream.labels", "rollout id", SCHEMAS + "Label", C);
    /** Output of the label join: rollouts with their aggregated labels. */
    public static final Topic PREFERENCES =
            delete("prefstream.preferences", "rollout id", SCHEMAS + "LabeledRollout", C);

    public static final Topic OFFLINE_PREFERENCES =
            delete("prefstream.offline-preferences", "pair id", SCHEMAS + "PreferencePair", C);
    /** One partition: the trainer is a single consumer and batches are consumed in order. */
    public static final Topic TRAINING_BATCHES =
            delete("prefstream.training-batches", "batch id", SCHEMAS + "TrainingBatch", 1);
    /** Compacted, one partition: the latest policy per key is all a generator needs at start-up. */
    public static final Topic POLICY_UPDATES = new Topic(
            "prefstream.policy-updates",
            "policy name (string)",
            SCHEMAS + "PolicyUpdate",
            1,
            CleanupPolicy.COMPACT,
            Map.of("min.compaction.lag.ms", "0"));

    public static final Topic METRICS = delete("prefstream.metrics", "run id", SCHEMAS + "TrainerMetrics", C);
    /** Records beyond the staleness bound, as their original bytes (headers say why). */
    public static final Topic STALE = delete("prefstream.stale", "original key", "bytes", C);
    /** Records no service could process, as their original bytes with {@code dlq.*} headers. */
    public static final Topic DEAD_LETTERS = delete("prefstream.dead-letters", "original key", "bytes", C);

    private static final List<Topic> ALL = List.of(
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
    public static List<Topic> all() {
        return ALL;
    }

    public static Optional<Topic> byName(String name) {
        return ALL.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    private static Topic delete(String name, String key, String value, int partitions) {
        return new Topic(name, key + " (string)", value, partitions, CleanupPolicy.DELETE, Map.of());
    }
}
