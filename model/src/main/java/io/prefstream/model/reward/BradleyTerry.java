package io.prefstream.model.reward;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * Bradley–Terry preference loss (Bradley &amp; Terry, 1952; as in Ouyang et al., 2022):
 * {@code L = mean_i −log σ(r_w,i − r_l,i)}, computed stably as
 * {@code softplus(−d) = max(−d, 0) + log(1 + e^{−|d|})}.
 */
public final class BradleyTerry {

    private BradleyTerry() {
    }

    /** chosen, rejected (B) → scalar loss, in chosen's manager. */
    public static NDArray loss(NDArray chosen, NDArray rejected) {
        NDArray d = chosen.sub(rejected);                                 // (B)
        return Activation.relu(d.neg()).add(d.abs().neg().exp().add(1f).log()).mean();
    }
}
