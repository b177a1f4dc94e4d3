package io.prefstream.schemas;

import java.util.Objects;

/**
 * The identity of a {@link TrainerMetrics} record: (policy, kind, step), written
 * {@code <policy>/<kind>/<step>}.
 *
 * <p>Metrics are idempotent by this key. A trainer may publish one step's metrics twice: after a
 * restart it retrains the batches after its last checkpoint (exact resume) and publishes their TRAIN
 * (and EVAL) metrics again. Consumers keep one record per key, the last to arrive: the retrained step
 * belongs to the lineage the checkpoints continue, the earlier record to a run whose progress was
 * lost. "Last to arrive" is "last published" because the metrics topic is keyed by policy name: one
 * policy's records share a partition, in the order the trainer sent them (a key per step would
 * spread a policy over partitions and lose that order).
 *
 * @param policy the policy name
 * @param kind   TRAIN or EVAL
 * @param step   the trainer step the metrics describe
 */
public record MetricsKey(String policy, MetricsKind kind, long step) {

    public MetricsKey {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(kind, "kind");
    }

    /** The key of {@code record}. */
    public static MetricsKey of(TrainerMetrics record) {
        return new MetricsKey(record.getPolicy().toString(), record.getKind(), record.getStep());
    }

    @Override
    public String toString() {
        return policy + "/" + kind + "/" + step;
    }
}
