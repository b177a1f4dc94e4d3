package io.prefstream.model.eval;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Held-out evaluation of a policy.
 *
 * @param n prompts evaluated (one sample each)
 * @param temperature sampling temperature τ
 * @param goldRewardMean mean task gold reward
 * @param accuracy fraction exactly correct (NaN when the task has no notion of correctness)
 * @param meanLength mean response length in tokens, EOS included
 * @param klMonteCarlo mean of {@code log π(y|x) − log π_ref(y|x)} over y ~ π (present with a reference)
 * @param klExact mean of the exact per-token full-vocabulary KL summed over each sampled response
 * @param winRate fraction of prompts where π's sample beats π_ref's by gold reward, ties ½
 * @param seconds wall time
 * @param samples the first {@link #SAMPLES} held-out prompts with the policy's sample and its gold reward
 * @param proxyReward mean score of the same samples under a proxy reward (a learned reward model), when one was given
 */
public record EvalReport(
        int n,
        double temperature,
        double goldRewardMean,
        double accuracy,
        double meanLength,
        OptionalDouble klMonteCarlo,
        OptionalDouble klExact,
        OptionalDouble winRate,
        double seconds,
        java.util.List<Sample> samples,
        OptionalDouble proxyReward) {

    /** Samples kept for reports. */
    public static final int SAMPLES = 8;

    public EvalReport {
        samples = java.util.List.copyOf(samples);
    }

    /** One held-out prompt, the policy's sampled response and its gold reward. */
    public record Sample(String prompt, String response, double goldReward) {}

    /** Flat name → value map (for JSON lines and metrics). */
    public Map<String, Object> toMap() {
        var m = new LinkedHashMap<String, Object>();
        m.put("n", n);
        m.put("temperature", temperature);
        m.put("gold_reward_mean", goldRewardMean);
        m.put("accuracy", accuracy);
        m.put("mean_length", meanLength);
        klMonteCarlo.ifPresent(v -> m.put("kl_mc", v));
        klExact.ifPresent(v -> m.put("kl_exact", v));
        winRate.ifPresent(v -> m.put("win_rate", v));
        proxyReward.ifPresent(v -> m.put("proxy_reward", v));
        m.put("seconds", seconds);
        return m;
    }

    /** One JSON object on one line. */
    public String toJson() {
        var sb = new StringBuilder("{");
        var first = true;
        for (var e : toMap().entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append('"').append(e.getKey()).append("\":");
            Object v = e.getValue();
            if (v instanceof Double d) {
                sb.append(d.isNaN() || d.isInfinite() ? "null" : String.format(Locale.ROOT, "%.6g", d));
            } else {
                sb.append(v);
            }
        }
        return sb.append('}').toString();
    }
}
