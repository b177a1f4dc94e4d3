package io.prefstream.trainer.objective;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.HashMap;
import java.util.Map;

/**
 * Skeleton of the objectives on labeled groups (EXO-rw, DPO-rw): checks the inputs, builds the
 * group distributions, closes every temporary and keeps only the scalar loss. Metrics: {@value
 * ObjectiveResult#KL} (mean log π_θ − log π_ref over real completions), {@value
 * ObjectiveResult#GROUPS}, {@value #REWARD_MEAN} (mean reward over real completions), {@value
 * #POLICY_REWARD} (mean over groups of Σ_k p_f(k)·r_k).
 *
 * <p>Dimension legend: G = groups, K = completions per group.
 */
abstract class GroupObjective implements PreferenceObjective {

    /** Mean reward of the real completions. */
    static final String REWARD_MEAN = "reward_mean";
    /** Mean over groups of the reward expected under the policy's group softmax p_f. */
    static final String POLICY_REWARD = "policy_reward";

    private final String name;
    final double betaPi;
    final double betaR;

    GroupObjective(String name, double betaPi, double betaR) {
        this.name = name;
        this.betaPi = betaPi;
        this.betaR = betaR;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final Requirements requirements() {
        return Requirements.allOf(DataKind.LABELED_GROUPS);
    }

    @Override
    public final ObjectiveResult compute(ObjectiveInput input) {
        requirements().check(name, input.present());
        GroupTensors groups = input.labeledGroups().orElseThrow();
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            var dist = GroupSoftmax.of(groups, betaPi, betaR);
            NDArray perGroup = perGroup(dist); // (G)
            NDArray loss = perGroup.mean(); // ()
            var metrics = new HashMap<String, Double>();
            metrics.put(ObjectiveResult.LOSS, TensorChecks.values(loss)[0]);
            metrics.putAll(groupMetrics(groups, dist));
            NDScope.unregister(loss);
            return new ObjectiveResult(loss, metrics);
        }
    }

    /** The loss of each group. */
    abstract NDArray perGroup(GroupSoftmax dist);

    private static Map<String, Double> groupMetrics(GroupTensors groups, GroupSoftmax dist) {
        double[] policy = TensorChecks.values(groups.policy());
        double[] ref = TensorChecks.values(groups.ref());
        double[] rewards = TensorChecks.values(groups.rewards().orElseThrow());
        double[] mask = TensorChecks.values(dist.mask());
        double[] pf = TensorChecks.values(dist.pf());
        double real = 0;
        double kl = 0;
        double reward = 0;
        double policyReward = 0;
        for (int i = 0; i < policy.length; i++) {
            real += mask[i];
            kl += mask[i] * (policy[i] - ref[i]);
            reward += mask[i] * rewards[i];
            policyReward += pf[i] * rewards[i];
        }
        int g = groups.groups();
        return Map.of(
                ObjectiveResult.KL,
                kl / real,
                ObjectiveResult.GROUPS,
                (double) g,
                REWARD_MEAN,
                reward / real,
                POLICY_REWARD,
                policyReward / g);
    }

    @Override
    public String toString() {
        return name;
    }
}
