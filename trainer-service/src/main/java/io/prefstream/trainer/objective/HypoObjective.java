package io.prefstream.trainer.objective;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.HashMap;

/**
 * HyPO, hybrid preference optimisation: {@code L = DPO(offline pairs) + λ·KL(π_θ ‖ π_ref)}, the
 * reverse KL estimated on unlabeled online groups of k ≥ 2 samples by the RLOO score-function
 * surrogate {@code mean_{G,K}[ sg(w_i·A_i)·log π_θ(y_i) ]}, {@code A_i = c_i − mean_{j≠i} c_j},
 * {@code c_i = λ·(log π_θ − log π_ref)(y_i) + γ·|y_i|} (Song et al. 2024, "The Importance of Online
 * Data: Understanding Preference Fine-tuning via Coverage", Eq. 7 and §5).
 *
 * <p>Decisions: the length penalty is c = λ·s + γ·|y| (γ not scaled by λ; the paper's formula is
 * lost, and this keeps γ independent of λ; the paper's other reading is γ = λ·0.02). Stale groups
 * (behaviour log-prob recorded) get the truncated importance weight
 * {@code w_i = min(c, exp(log π_θ − log μ))}, detached, since the score-function estimator is
 * unbiased only for samples of the current policy; fresh groups without behaviour get w = 1. The
 * returned loss's value is the objective estimate DPO + mean(c) (the surrogate enters as
 * surrogate − sg(surrogate)), so loss curves are meaningful while the gradient is the surrogate's.
 *
 * <p>Dimension legend: B = offline pairs, G = online groups, K = samples per group.
 */
final class HypoObjective implements PreferenceObjective {

    /** DPO part of the loss. */
    static final String DPO_LOSS = "dpo_loss";
    /** λ·KL + γ·mean |y| estimate, the online penalty's value. */
    static final String KL_PENALTY = "kl_penalty";

    private final String name;
    private final double beta;
    private final double lambda;
    private final double gamma;
    private final double truncation;

    HypoObjective(String name, double beta, double lambda, double gamma, double truncation) {
        this.name = name;
        this.beta = beta;
        this.lambda = lambda;
        this.gamma = gamma;
        this.truncation = truncation;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Requirements requirements() {
        return Requirements.allOf(DataKind.OFFLINE_PAIRS, DataKind.UNLABELED_GROUPS);
    }

    @Override
    public ObjectiveResult compute(ObjectiveInput input) {
        requirements().check(name, input.present());
        GroupTensors groups = input.unlabeledGroups().orElseThrow();
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            var pairs = PairBatch.from(input);
            var metrics = new HashMap<String, Double>(pairs.metrics(beta));
            NDArray dpo = DpoObjective.perPair(pairs.delta(), beta, 0).mean(); // ()

            NDArray policy = groups.policy(); // (G, K)
            NDArray detached = policy.stopGradient(); // (G, K)
            NDArray mask = groups.mask()
                    .map(NativeTensors::detachedCopy)
                    .orElseGet(() -> policy.getManager().ones(policy.getShape(), policy.getDataType()));
            NDArray s = detached.sub(groups.ref().stopGradient()).mul(mask); // (G, K)
            NDArray score = s.mul(lambda)
                    .add(groups.lengths().stopGradient().mul(gamma))
                    .mul(mask);
            NDArray real = mask.sum(new int[] {1}, true); // (G, 1)
            NDArray baseline = score.sum(new int[] {1}, true).sub(score).div(real.sub(1)); // (G, K)
            NDArray advantage = score.sub(baseline).mul(mask); // (G, K)
            if (groups.behaviour().isPresent()) {
                NDArray w =
                        detached.sub(groups.behaviour().get().stopGradient()).exp(); // (G, K)
                if (Double.isFinite(truncation)) {
                    w = w.minimum(truncation);
                }
                ImportanceWeights.of(realValues(w, mask)).putInto(metrics);
                advantage = advantage.mul(w);
            }
            NDArray n = mask.sum(); // ()
            NDArray surrogate = advantage.mul(policy).sum().div(n); // ()
            NDArray penalty = score.sum().div(n); // () detached estimate of λ·KL + γ·E|y|
            NDArray loss = dpo.add(surrogate.sub(surrogate.stopGradient())).add(penalty); // ()

            double[] sValues = TensorChecks.values(s);
            double[] maskValues = TensorChecks.values(mask);
            double kl = 0;
            double count = 0;
            for (int i = 0; i < sValues.length; i++) {
                kl += sValues[i];
                count += maskValues[i];
            }
            metrics.put(ObjectiveResult.KL, kl / count);
            metrics.put(ObjectiveResult.GROUPS, (double) groups.groups());
            metrics.put(DPO_LOSS, TensorChecks.values(dpo)[0]);
            metrics.put(KL_PENALTY, TensorChecks.values(penalty)[0]);
            metrics.put(ObjectiveResult.LOSS, TensorChecks.values(loss)[0]);
            NDScope.unregister(loss);
            return new ObjectiveResult(loss, metrics);
        }
    }

    private static double[] realValues(NDArray values, NDArray mask) {
        double[] v = TensorChecks.values(values);
        double[] m = TensorChecks.values(mask);
        int real = 0;
        for (double x : m) {
            real += x == 1 ? 1 : 0;
        }
        double[] out = new double[real];
        int j = 0;
        for (int i = 0; i < v.length; i++) {
            if (m[i] == 1) {
                out[j++] = v[i];
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return name;
    }
}
