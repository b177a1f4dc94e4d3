package io.prefstream.trainer.objective;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Optional;

/**
 * B preference pairs (x, y_w, y_l) as sequence log-probs: sums over response tokens (prompt masked,
 * EOS included) at the sampling temperature.
 *
 * <p>Dimension legend: B = number of pairs. Every tensor is (B) and has the policy's dtype (float32
 * or float64). Only the policy log-probs should carry a gradient; objectives detach everything else.
 * Validation copies the values to the host once: NaN/Inf anywhere throws {@link
 * IllegalArgumentException} (the trainer dead-letters such batches).
 *
 * @param policyChosen log π_θ(y_w|x), with gradient // (B)
 * @param policyRejected log π_θ(y_l|x), with gradient // (B)
 * @param refChosen log π_ref(y_w|x) // (B)
 * @param refRejected log π_ref(y_l|x) // (B)
 * @param behaviourChosen log μ(y_w|x) of the policy that generated y_w, if recorded // (B)
 * @param behaviourRejected log μ(y_l|x), present exactly when {@code behaviourChosen} is // (B)
 * @param lengthChosen |y_w| in response tokens incl. EOS, > 0 // (B)
 * @param lengthRejected |y_l| in response tokens incl. EOS, > 0 // (B)
 */
public record PairTensors(
        NDArray policyChosen,
        NDArray policyRejected,
        NDArray refChosen,
        NDArray refRejected,
        Optional<NDArray> behaviourChosen,
        Optional<NDArray> behaviourRejected,
        NDArray lengthChosen,
        NDArray lengthRejected) {

    private static final String NAME = "PairTensors";

    public PairTensors {
        if (policyChosen == null) {
            throw new IllegalArgumentException(NAME + ".policyChosen is required but was null");
        }
        Shape shape = policyChosen.getShape();
        if (shape.dimension() != 1 || shape.get(0) < 1) {
            throw new IllegalArgumentException(
                    NAME + ".policyChosen: expected shape (B) with B >= 1 but found " + shape);
        }
        DataType type = policyChosen.getDataType();
        TensorChecks.check(NAME, "policyChosen", policyChosen, shape, type);
        TensorChecks.check(NAME, "policyRejected", policyRejected, shape, type);
        TensorChecks.check(NAME, "refChosen", refChosen, shape, type);
        TensorChecks.check(NAME, "refRejected", refRejected, shape, type);
        if (behaviourChosen == null || behaviourRejected == null) {
            throw new IllegalArgumentException(NAME + ": behaviour log-probs must be Optional, not null");
        }
        if (behaviourChosen.isPresent() != behaviourRejected.isPresent()) {
            throw new IllegalArgumentException(NAME + ": behaviour log-probs must be given for both sides or "
                    + "neither, but found behaviourChosen " + (behaviourChosen.isPresent() ? "present" : "absent")
                    + " and behaviourRejected " + (behaviourRejected.isPresent() ? "present" : "absent"));
        }
        behaviourChosen.ifPresent(a -> TensorChecks.check(NAME, "behaviourChosen", a, shape, type));
        behaviourRejected.ifPresent(a -> TensorChecks.check(NAME, "behaviourRejected", a, shape, type));
        TensorChecks.positive(
                NAME, "lengthChosen", TensorChecks.check(NAME, "lengthChosen", lengthChosen, shape, type));
        TensorChecks.positive(
                NAME, "lengthRejected", TensorChecks.check(NAME, "lengthRejected", lengthRejected, shape, type));
    }

    /** Pairs without behaviour log-probs (offline data, μ = π_ref). */
    public static PairTensors of(
            NDArray policyChosen,
            NDArray policyRejected,
            NDArray refChosen,
            NDArray refRejected,
            NDArray lengthChosen,
            NDArray lengthRejected) {
        return new PairTensors(
                policyChosen,
                policyRejected,
                refChosen,
                refRejected,
                Optional.empty(),
                Optional.empty(),
                lengthChosen,
                lengthRejected);
    }

    /** The same pairs with the generator's behaviour log-probs log μ(y|x) attached. */
    public PairTensors withBehaviour(NDArray chosen, NDArray rejected) {
        return new PairTensors(
                policyChosen,
                policyRejected,
                refChosen,
                refRejected,
                Optional.of(chosen),
                Optional.of(rejected),
                lengthChosen,
                lengthRejected);
    }

    /** Number of pairs B. */
    public int size() {
        return Math.toIntExact(policyChosen.getShape().get(0));
    }

    /** Whether behaviour log-probs were recorded. */
    public boolean hasBehaviour() {
        return behaviourChosen.isPresent();
    }
}
