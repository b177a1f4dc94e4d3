package io.prefstream.labeler;

import io.prefstream.schemas.LabelKind;
import java.util.Map;
import java.util.Optional;

/**
 * A snapshot of a running labeler service.
 *
 * @param labelsByKind       labels written to {@code prefstream.labels} by this process, per kind
 * @param pendingRequests    human label requests queued here
 * @param emittedPreferences labeled rollouts the join emitted from this process
 * @param leaseExpiries      leases that ran out before their label came
 * @param agreement          pairwise agreement of human labels on requests with several, if any
 * @param joinState          Kafka Streams state of the label join, or {@code DISABLED}
 */
public record LabelerStatus(
        Map<LabelKind, Long> labelsByKind,
        int pendingRequests,
        long emittedPreferences,
        long leaseExpiries,
        Optional<Double> agreement,
        String joinState) {

    public LabelerStatus {
        labelsByKind = Map.copyOf(labelsByKind);
    }

    /** Labels of {@code kind} written so far. */
    public long labels(LabelKind kind) {
        return labelsByKind.getOrDefault(kind, 0L);
    }
}
