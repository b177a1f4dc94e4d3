package io.prefstream.trainer.objective;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Skeleton shared by the objectives on pairs: checks the inputs, concatenates offline and online
 * pairs into one {@link PairBatch}, closes every temporary and keeps only the scalar loss.
 *
 * <p>Normalisation: offline and online pairs are one pool and the loss is a mean over the B pairs
 * present in the batch, each with weight 1/B. A batch is checked with {@link
 * Requirements#checkBatch}: when its online groups yield no pair (all completions tied) it trains on
 * its offline pairs alone, B = their count, rather than being thrown away; the stream-level
 * requirement (e.g. online-dpo's online pairs) is checked on what the batcher routes. A batch with
 * fewer pairs gives a noisier gradient, not a smaller one.
 */
abstract class PairObjective implements PreferenceObjective {

    /** The kinds concatenated into one {@link PairBatch}. */
    private static final Set<DataKind> POOLED = EnumSet.of(DataKind.OFFLINE_PAIRS, DataKind.ONLINE_PAIRS);

    private final String name;
    private final Requirements requirements;

    PairObjective(String name, Requirements requirements) {
        this.name = name;
        this.requirements = requirements;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final Requirements requirements() {
        return requirements;
    }

    @Override
    public final ObjectiveResult compute(ObjectiveInput input) {
        requirements.checkBatch(name, input.present(), POOLED);
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            var batch = PairBatch.from(input);
            var metrics = new HashMap<String, Double>(batch.metrics(marginScale()));
            NDArray loss = loss(batch, metrics); // ()
            metrics.put(ObjectiveResult.LOSS, TensorChecks.values(loss)[0]);
            NDScope.unregister(loss);
            return new ObjectiveResult(loss, metrics);
        }
    }

    /** The β that scales Δ in the margin/accuracy/implicit-reward metrics. */
    abstract double marginScale();

    /** The scalar loss on {@code batch}; may add metrics. */
    abstract NDArray loss(PairBatch batch, Map<String, Double> metrics);

    @Override
    public String toString() {
        return name;
    }
}
