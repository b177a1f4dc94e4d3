package io.prefstream.model.reward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;

/**
 * Bradley–Terry preference loss (Bradley &amp; Terry, 1952; as in Ouyang et al., 2022):
 * {@code L = mean_i −log σ(r_w,i − r_l,i)}, computed stably as {@code −log_softmax([d, 0])_0}: no
 * overflow for large |d|, and the exact gradient −σ(−d) everywhere (a max/abs formulation has a
 * zero subgradient at d = 0, so a reward model whose head starts at zero never moves).
 */
public final class BradleyTerry {

    private BradleyTerry() {}

    /** chosen, rejected (B) → scalar loss, in chosen's manager. */
    public static NDArray loss(NDArray chosen, NDArray rejected) {
        NDArray d = chosen.sub(rejected); // (B)
        NDArray logits = NDArrays.stack(new NDList(d, d.zerosLike()), 1); // (B, 2)
        return logits.logSoftmax(1).get(":, 0").neg().mean();
    }
}
