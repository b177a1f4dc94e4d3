package io.prefstream.trainer.objective;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * What an objective returns: a differentiable scalar loss (attached to the policy log-probs'
 * manager; call {@code GradientCollector.backward(loss)}) and host-side metrics. Closing the result
 * closes the loss.
 *
 * <p>Metric keys (present where meaningful): {@value #LOSS}, {@value #REWARD_MARGIN} (mean β·Δ),
 * {@value #ACCURACY} (fraction of pairs with β·Δ > 0), {@value #REWARD_CHOSEN} / {@value
 * #REWARD_REJECTED} (mean β·(log π − log π_ref)), {@value #LOGP_CHOSEN} / {@value #LOGP_REJECTED}
 * (mean policy log-prob), {@value #LOGRATIO_MEAN} (mean log π − log π_ref over pair responses),
 * {@value #KL} (mean log π − log π_ref over group samples: a reverse-KL estimate when they are
 * on-policy), {@value #WEIGHT_MEAN} / {@value #WEIGHT_MAX} / {@value #ESS} / {@value #ESS_FRACTION}
 * (importance weights; ESS = (Σw)²/Σw², fraction = ESS/n), {@value #PAIRS}, {@value #GROUPS}.
 *
 * @param loss scalar loss, differentiable w.r.t. the policy log-probs // ()
 * @param metrics metric name → value, immutable
 */
public record ObjectiveResult(NDArray loss, Map<String, Double> metrics) implements AutoCloseable {

    public static final String LOSS = "loss";
    public static final String REWARD_MARGIN = "reward_margin";
    public static final String ACCURACY = "accuracy";
    public static final String REWARD_CHOSEN = "reward_chosen";
    public static final String REWARD_REJECTED = "reward_rejected";
    public static final String LOGP_CHOSEN = "logp_chosen";
    public static final String LOGP_REJECTED = "logp_rejected";
    public static final String LOGRATIO_MEAN = "logratio_mean";
    public static final String KL = "kl";
    public static final String WEIGHT_MEAN = "weight_mean";
    public static final String WEIGHT_MAX = "weight_max";
    public static final String ESS = "ess";
    public static final String ESS_FRACTION = "ess_fraction";
    public static final String PAIRS = "pairs";
    public static final String GROUPS = "groups";

    public ObjectiveResult {
        if (loss == null || !loss.getShape().isScalar()) {
            throw new IllegalArgumentException("ObjectiveResult.loss: expected a scalar NDArray but found "
                    + (loss == null ? "null" : loss.getShape()));
        }
        metrics = Map.copyOf(metrics);
    }

    /** The loss value on the host. */
    public double lossValue() {
        return metrics.get(LOSS);
    }

    /** A metric by key. @throws IllegalArgumentException listing the keys present when absent */
    public double metric(String key) {
        Double value = metrics.get(key);
        if (value == null) {
            throw new IllegalArgumentException(
                    "no metric '" + key + "'; present: " + new java.util.TreeSet<>(metrics.keySet()));
        }
        return value;
    }

    @Override
    public void close() {
        loss.close();
    }
}
