package io.prefstream.trainer.objective;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.HashMap;
import java.util.Map;

/**
 * Skeleton shared by the objectives on pairs: checks the inputs, concatenates offline and online
 * pairs into one {@link PairBatch}, closes every temporary and keeps only the scalar loss.
 */
abstract class PairObjective implements PreferenceObjective {

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
        requirements.check(name, input.present());
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
