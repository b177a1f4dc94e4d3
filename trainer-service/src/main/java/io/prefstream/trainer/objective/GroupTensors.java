package io.prefstream.trainer.objective;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Optional;

/**
 * G groups of K completions of one prompt each, as sequence log-probs (sums over response tokens,
 * prompt masked, EOS included, at the sampling temperature). All K completions of a prompt must be
 * in the same group: RLOO baselines and the EXO softmax are taken within a group.
 *
 * <p>Dimension legend: G = groups (prompts), K = completions per group. Every tensor is (G, K) in
 * the policy's dtype. Groups with fewer completions are padded and masked: mask 1 = real completion,
 * 0 = padding (padded entries must still be finite, e.g. 0); every group needs at least 2 real
 * completions. NaN/Inf anywhere throws {@link IllegalArgumentException}.
 *
 * @param policy log π_θ(y|x), with gradient // (G, K)
 * @param ref log π_ref(y|x) // (G, K)
 * @param behaviour log μ(y|x) of the generating policy, if recorded // (G, K)
 * @param rewards scalar reward per completion (labeled groups) // (G, K)
 * @param lengths |y| in response tokens incl. EOS, > 0 where unmasked // (G, K)
 * @param mask 1 for real completions, 0 for padding; absent = all real // (G, K)
 */
public record GroupTensors(
        NDArray policy,
        NDArray ref,
        Optional<NDArray> behaviour,
        Optional<NDArray> rewards,
        NDArray lengths,
        Optional<NDArray> mask) {

    private static final String NAME = "GroupTensors";

    public GroupTensors {
        if (policy == null) {
            throw new IllegalArgumentException(NAME + ".policy is required but was null");
        }
        if (behaviour == null || rewards == null || mask == null) {
            throw new IllegalArgumentException(NAME + ": optional tensors must be Optional, not null");
        }
        Shape shape = policy.getShape();
        if (shape.dimension() != 2 || shape.get(0) < 1 || shape.get(1) < 2) {
            throw new IllegalArgumentException(
                    NAME + ".policy: expected shape (G, K) with G >= 1 and K >= 2 " + "but found " + shape);
        }
        DataType type = policy.getDataType();
        TensorChecks.check(NAME, "policy", policy, shape, type);
        TensorChecks.check(NAME, "ref", ref, shape, type);
        behaviour.ifPresent(a -> TensorChecks.check(NAME, "behaviour", a, shape, type));
        rewards.ifPresent(a -> TensorChecks.check(NAME, "rewards", a, shape, type));
        double[] lengthValues = TensorChecks.check(NAME, "lengths", lengths, shape, type);
        int k = Math.toIntExact(shape.get(1));
        double[] maskValues = mask.isPresent() ? TensorChecks.check(NAME, "mask", mask.get(), shape, type) : null;
        for (int g = 0; g < shape.get(0); g++) {
            int real = 0;
            for (int j = 0; j < k; j++) {
                int i = g * k + j;
                double m = maskValues == null ? 1 : maskValues[i];
                if (m != 0 && m != 1) {
                    throw new IllegalArgumentException(
                            NAME + ".mask: expected 0 or 1 but found " + m + " at group " + g + ", completion " + j);
                }
                if (m == 1) {
                    real++;
                    if (!(lengthValues[i] > 0)) {
                        throw new IllegalArgumentException(NAME + ".lengths: expected > 0 (response tokens incl. "
                                + "EOS) but found " + lengthValues[i] + " at group " + g + ", completion " + j);
                    }
                }
            }
            if (real < 2) {
                throw new IllegalArgumentException(NAME + ": expected at least 2 real completions per group "
                        + "(RLOO baselines and group softmaxes need k >= 2) but group " + g + " has " + real);
            }
        }
    }

    /** Unlabeled groups (HyPO's online samples): no rewards, no mask. */
    public static GroupTensors unlabeled(NDArray policy, NDArray ref, NDArray lengths) {
        return new GroupTensors(policy, ref, Optional.empty(), Optional.empty(), lengths, Optional.empty());
    }

    /** Labeled groups with one reward per completion, no mask. */
    public static GroupTensors labeled(NDArray policy, NDArray ref, NDArray rewards, NDArray lengths) {
        return new GroupTensors(policy, ref, Optional.empty(), Optional.of(rewards), lengths, Optional.empty());
    }

    /** The same groups with the generator's behaviour log-probs log μ(y|x) attached. */
    public GroupTensors withBehaviour(NDArray behaviourLogProbs) {
        return new GroupTensors(policy, ref, Optional.of(behaviourLogProbs), rewards, lengths, mask);
    }

    /** The same groups with a padding mask (1 = real completion, 0 = padding). */
    public GroupTensors withMask(NDArray validMask) {
        return new GroupTensors(policy, ref, behaviour, rewards, lengths, Optional.of(validMask));
    }

    /** Number of groups G. */
    public int groups() {
        return Math.toIntExact(policy.getShape().get(0));
    }

    /** Completions per group K (including padding). */
    public int k() {
        return Math.toIntExact(policy.getShape().get(1));
    }
}
