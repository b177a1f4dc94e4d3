package io.prefstream.model.eval;

import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.lm.Completion;
import io.prefstream.model.lm.LogProbs;
import io.prefstream.model.lm.Sampler;
import io.prefstream.model.lm.SamplingOptions;
import io.prefstream.model.lm.ScoringBatch;
import io.prefstream.tasks.Task;
import java.util.List;
import java.util.OptionalDouble;

/**
 * Evaluates a policy on a task's held-out prompts: one sample per prompt at temperature τ, scored
 * by the task's gold reward. With a reference policy it also reports
 * <ul>
 *   <li>{@code KL_mc = mean_x [log π(y|x) − log π_ref(y|x)]}, y ~ π (sequence-level estimate);</li>
 *   <li>{@code KL_exact = mean_x Σ_t Σ_v π_t(v)(log π_t(v) − log π_ref,t(v))} on the same samples;</li>
 *   <li>win rate: {@code mean_x [1(R(y) > R(y_ref)) + ½·1(R(y) = R(y_ref))]}, y_ref ~ π_ref drawn with the same seed.</li>
 * </ul>
 */
public final class PolicyEvaluator {

    private static final int CHUNK = 256;

    private final Task task;

    public PolicyEvaluator(Task task) {
        this.task = task;
    }

    /**
     * @param n number of held-out prompts (the first n of the task's fixed order)
     * @param temperature sampling temperature
     * @param seed sampling seed
     */
    public record Options(int n, double temperature, long seed) {
        public Options {
            if (n <= 0) {
                throw new IllegalArgumentException("evaluation needs n > 0 prompts, found " + n);
            }
        }

        public static Options of(int n) {
            return new Options(n, 1.0, 0);
        }
    }

    /** Evaluates {@code policy}; {@code reference} may be null (no KL, no win rate). */
    public EvalReport evaluate(CausalLm policy, CausalLm reference, Options options) {
        return evaluate(policy, reference, options, null);
    }

    /**
     * As {@link #evaluate(CausalLm, CausalLm, Options)}, also scoring every sample with {@code proxy}
     * (prompts, responses → one score each), e.g. the learned reward model the labels came from, so
     * over-optimisation shows as proxy up, gold down; null for none.
     */
    public EvalReport evaluate(
            CausalLm policy,
            CausalLm reference,
            Options options,
            java.util.function.BiFunction<List<String>, List<String>, double[]> proxy) {
        long start = System.nanoTime();
        List<String> prompts = task.evalPrompts(options.n());
        var sampling = SamplingOptions.of(options.temperature(), task.maxResponseTokens(), options.seed());
        double reward = 0;
        double correct = 0;
        boolean hasCorrect = true;
        double length = 0;
        double klMc = 0;
        double klExact = 0;
        double wins = 0;
        double proxySum = 0;
        var kept = new java.util.ArrayList<EvalReport.Sample>();
        for (int from = 0; from < prompts.size(); from += CHUNK) {
            List<String> chunk = prompts.subList(from, Math.min(prompts.size(), from + CHUNK));
            var encoded = chunk.stream().map(policy.tokenizer()::encodePrompt).toList();
            List<Completion> samples = Sampler.sample(policy, encoded, 1, sampling.withSeed(options.seed() + from));
            double[] rewards = new double[samples.size()];
            for (int i = 0; i < samples.size(); i++) {
                var c = samples.get(i);
                rewards[i] = task.goldReward(chunk.get(i), c.text());
                if (kept.size() < EvalReport.SAMPLES) {
                    kept.add(new EvalReport.Sample(chunk.get(i), c.text(), rewards[i]));
                }
                reward += rewards[i];
                length += c.length();
                var ok = task.correct(chunk.get(i), c.text());
                hasCorrect &= ok.isPresent();
                correct += ok.orElse(false) ? 1 : 0;
            }
            if (proxy != null) {
                double[] scores = proxy.apply(
                        chunk, samples.stream().map(Completion::text).toList());
                if (scores.length != samples.size()) {
                    throw new IllegalStateException(
                            "proxy reward gave " + scores.length + " scores for " + samples.size() + " samples");
                }
                for (double v : scores) {
                    proxySum += v;
                }
            }
            if (reference != null) {
                var batch = ScoringBatch.ofCompletions(
                        encoded, samples, policy.tokenizer().pad());
                double[] refLogProbs = LogProbs.sequenceNoGrad(reference, batch, options.temperature());
                double[] kl = LogProbs.klNoGrad(policy, reference, batch, options.temperature());
                var refSamples = Sampler.sample(reference, encoded, 1, sampling.withSeed(options.seed() + from));
                for (int i = 0; i < samples.size(); i++) {
                    klMc += samples.get(i).logProb() - refLogProbs[i];
                    klExact += kl[i];
                    double refReward =
                            task.goldReward(chunk.get(i), refSamples.get(i).text());
                    wins += rewards[i] > refReward ? 1 : rewards[i] == refReward ? 0.5 : 0;
                }
            }
        }
        int n = prompts.size();
        return new EvalReport(
                n,
                options.temperature(),
                reward / n,
                hasCorrect ? correct / n : Double.NaN,
                length / n,
                reference == null ? OptionalDouble.empty() : OptionalDouble.of(klMc / n),
                reference == null ? OptionalDouble.empty() : OptionalDouble.of(klExact / n),
                reference == null ? OptionalDouble.empty() : OptionalDouble.of(wins / n),
                (System.nanoTime() - start) / 1e9,
                kept,
                proxy == null ? OptionalDouble.empty() : OptionalDouble.of(proxySum / n));
    }
}
