package io.prefstream.labeler.join;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.prefstream.schemas.EmitReason;
import io.prefstream.schemas.LabelKind;
import java.util.Objects;

/**
 * Counters of the label join (Prometheus names {@code prefstream_join_*_total}). Every record the
 * join does not turn into output is counted here under why.
 */
public final class JoinMetrics {

    private final MeterRegistry registry;

    public JoinMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    public MeterRegistry registry() {
        return registry;
    }

    private Counter counter(String name, String description, String... tags) {
        return Counter.builder(name).description(description).tags(tags).register(registry);
    }

    void emitted(EmitReason reason) {
        counter(
                        "prefstream.join.emitted",
                        "Labeled rollouts emitted to prefstream.preferences",
                        "reason",
                        reason.name())
                .increment();
    }

    void accepted(LabelKind kind) {
        counter("prefstream.join.labels.accepted", "Labels counted towards a rollout", "kind", kind.name())
                .increment();
    }

    void duplicateLabel() {
        counter("prefstream.join.labels.duplicate", "Redelivered labels or second labels of one labeler, ignored")
                .increment();
    }

    void duplicateRollout() {
        counter("prefstream.join.rollouts.duplicate", "Rollouts seen again with a known id, ignored")
                .increment();
    }

    void rejectedLabel(String reason) {
        counter("prefstream.join.labels.rejected", "Labels dead-lettered by the join", "reason", reason)
                .increment();
    }

    void undecodable(String topic) {
        counter("prefstream.join.records.undecodable", "Input records that could not be decoded", "topic", topic)
                .increment();
    }

    void identicalTie() {
        counter(
                        "prefstream.join.identical.ties",
                        "Rollouts whose completions were all the same text: a tie recorded "
                                + "by the join instead of a human request")
                .increment();
    }

    void requested() {
        counter("prefstream.join.requests", "Label requests sent to humans").increment();
    }

    /** Labeled rollouts emitted so far, both reasons. */
    public long emittedTotal() {
        return (long) (count("prefstream.join.emitted", "reason", EmitReason.POLICY_MET.name())
                + count("prefstream.join.emitted", "reason", EmitReason.TIMEOUT_FALLBACK.name()));
    }

    /** Current value of counter {@code name} with {@code tags}, 0 when never incremented. */
    public double count(String name, String... tags) {
        var c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }
}
