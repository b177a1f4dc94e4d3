package io.prefstream.trainer.loop;

import io.prefstream.model.eval.EvalReport;
import io.prefstream.model.eval.PolicyEvaluator;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.reward.RewardModel;
import io.prefstream.tasks.Task;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Held-out evaluation of the policy against the initial reference π_0, by the model module's
 * {@link PolicyEvaluator}, reported under the EVAL metric names: {@code gold_reward},
 * {@code accuracy}, {@code win_rate}, {@code kl_seq} (Monte-Carlo sequence KL), {@code kl_token}
 * (exact per-token full-vocabulary KL), {@code mean_length}, and with a proxy reward model
 * {@code proxy_reward} (its mean score of the same samples). The same prompts and seed are used at
 * every evaluation so the curve compares like with like.
 */
final class Evaluation implements AutoCloseable {

    private final PolicyEvaluator evaluator;
    private final PolicyEvaluator.Options options;
    private final CausalLm initialReference;
    private final RewardModel proxy;

    /** @param proxy a reward model that also scores the samples ({@code proxy_reward}), or null; closed with this */
    Evaluation(Task task, CausalLm initialReference, int prompts, double temperature, long seed, RewardModel proxy) {
        this.evaluator = new PolicyEvaluator(task);
        this.options = new PolicyEvaluator.Options(prompts, temperature, seed);
        this.initialReference = initialReference;
        this.proxy = proxy;
    }

    Map<String, Double> run(CausalLm policy) {
        EvalReport r = evaluator.evaluate(policy, initialReference, options, proxy == null ? null : proxy::score);
        var m = new LinkedHashMap<String, Double>();
        m.put("gold_reward", r.goldRewardMean());
        m.put("accuracy", r.accuracy());
        m.put("win_rate", r.winRate().orElse(Double.NaN));
        m.put("kl_seq", r.klMonteCarlo().orElse(Double.NaN));
        m.put("kl_token", r.klExact().orElse(Double.NaN));
        m.put("mean_length", r.meanLength());
        m.put("eval_prompts", (double) r.n());
        m.put("eval_seconds", r.seconds());
        r.proxyReward().ifPresent(v -> m.put("proxy_reward", v));
        return m;
    }

    @Override
    public void close() {
        if (proxy != null) {
            proxy.close();
        }
    }
}
