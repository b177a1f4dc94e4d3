package io.prefstream.launcher.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.prefstream.launcher.progress.RunMetrics.Point;
import io.prefstream.launcher.progress.StatusLine;
import io.prefstream.schemas.MetricsKind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One run's trainer records from {@code metrics.json}, in step order: its evaluations (step 0 is
 * π_ref's) and its training steps, and the per-run metrics derived from them.
 * Records of another kind, or without a step, are left out.
 */
record RunCurves(List<Point> evals, List<Point> train) {

    /** Share of the TRAIN records (the last ones) whose proxy reward makes {@code final_proxy_reward}. */
    static final double FINAL_SHARE = 0.10;

    RunCurves {
        evals = evals.stream().sorted(Comparator.comparingLong(Point::step)).toList();
        train = train.stream().sorted(Comparator.comparingLong(Point::step)).toList();
    }

    /** Reads {@code metrics.json}'s array; null (a run that wrote none) gives no records. */
    static RunCurves of(ArrayNode metrics) {
        var evals = new ArrayList<Point>();
        var train = new ArrayList<Point>();
        if (metrics != null) {
            for (JsonNode r : metrics) {
                String kind = r.path("kind").asText("");
                if (!r.path("step").isNumber() || !(kind.equals("EVAL") || kind.equals("TRAIN"))) {
                    continue;
                }
                var values = new TreeMap<String, Double>();
                for (Iterator<Map.Entry<String, JsonNode>> it =
                                r.path("metrics").fields();
                        it.hasNext(); ) {
                    var e = it.next();
                    if (e.getValue().isNumber()) {
                        values.put(e.getKey(), e.getValue().asDouble());
                    }
                }
                var p = new Point(
                        MetricsKind.valueOf(kind),
                        r.path("step").asLong(),
                        r.path("policy_version").asLong(),
                        r.path("created_at_ms").asLong(),
                        values);
                (kind.equals("EVAL") ? evals : train).add(p);
            }
        }
        return new RunCurves(evals, train);
    }

    /**
     * KL(π‖π_ref) of an evaluation: token-level exact, else the sequence estimate
     * ({@link StatusLine#klOf}); π_ref's own evaluation (step 0) is at KL 0 when it reports none.
     */
    static double kl(Point eval) {
        double kl = StatusLine.klOf(eval);
        return Double.isNaN(kl) && eval.step() == 0 ? 0 : kl;
    }

    /**
     * {@code gold_within_kl = max { gold_reward(e) : e an evaluation with KL(e) ≤ budget }}, step 0
     * included; NaN when no evaluation qualifies.
     */
    double goldWithinKl(double budget) {
        return evals.stream()
                .filter(e -> kl(e) <= budget && Double.isFinite(e.get("gold_reward")))
                .mapToDouble(e -> e.get("gold_reward"))
                .max()
                .orElse(Double.NaN);
    }

    /**
     * {@code gold_at_kl}: the gold reward where the run's KL first reaches {@code budget}, interpolated
     * linearly between the evaluation before and the first one with {@code KL ≥ budget}:
     * {@code g* = g_{i−1} + (budget − KL_{i−1}) / (KL_i − KL_{i−1}) · (g_i − g_{i−1})}; NaN when the run never
     * reaches the budget (compares arms on the gold-vs-KL frontier at one KL, as over-optimisation curves do).
     */
    double goldAtKl(double budget) {
        var finite = evals.stream()
                .filter(e -> Double.isFinite(kl(e)) && Double.isFinite(e.get("gold_reward")))
                .toList();
        for (int i = 0; i < finite.size(); i++) {
            Point e = finite.get(i);
            double k = kl(e);
            if (k >= budget) {
                if (i == 0) {
                    return e.get("gold_reward");
                }
                Point prev = finite.get(i - 1);
                double k0 = kl(prev); // < budget, so k − k0 > 0
                double g0 = prev.get("gold_reward");
                return g0 + (budget - k0) / (k - k0) * (e.get("gold_reward") - g0);
            }
        }
        return Double.NaN;
    }

    /**
     * {@code time_to_target_s}: seconds from {@code onlineStartedMs} to the first evaluation i with
     * {@code gold_i ≥ target}, interpolated linearly in wall time from the previous evaluation:
     * {@code t* = t_{i−1} + (target − gold_{i−1}) / (gold_i − gold_{i−1}) · (t_i − t_{i−1})} (t = created_at_ms;
     * t* = t_i for the first evaluation), then {@code max(0, t* − onlineStartedMs) / 1000}.
     * NaN when no evaluation reaches the target.
     */
    double timeToTargetS(double target, long onlineStartedMs) {
        var finite = evals.stream()
                .filter(e -> Double.isFinite(e.get("gold_reward")))
                .toList();
        for (int i = 0; i < finite.size(); i++) {
            Point e = finite.get(i);
            double gold = e.get("gold_reward");
            if (gold >= target) {
                double at = e.createdAtMs();
                if (i > 0) {
                    Point prev = finite.get(i - 1);
                    double g0 = prev.get("gold_reward"); // < target, so gold − g0 > 0
                    at = prev.createdAtMs() + (target - g0) / (gold - g0) * (e.createdAtMs() - prev.createdAtMs());
                }
                return Math.max(0, at - onlineStartedMs) / 1000.0;
            }
        }
        return Double.NaN;
    }

    /**
     * {@code final_proxy_reward}: the last evaluation's {@code proxy_reward} (the proxy reward model's mean
     * score of the policy's own samples) when evaluations report it; else the mean {@code label_reward_mean}
     * of the last ⌈{@value #FINAL_SHARE}·m⌉ of the m TRAIN records that report it (the training labels: the
     * policy's samples only when the data is on-policy); NaN when neither exists.
     */
    double finalProxyReward() {
        var evalProxy = evals.stream()
                .filter(e -> Double.isFinite(e.get("proxy_reward")))
                .toList();
        if (!evalProxy.isEmpty()) {
            return evalProxy.get(evalProxy.size() - 1).get("proxy_reward"); // the policy's own samples, scored
        }
        var withProxy = train.stream()
                .filter(p -> Double.isFinite(p.get("label_reward_mean")))
                .toList();
        if (withProxy.isEmpty()) {
            return Double.NaN;
        }
        int last = (int) Math.ceil(FINAL_SHARE * withProxy.size());
        return withProxy.subList(withProxy.size() - last, withProxy.size()).stream()
                .mapToDouble(p -> p.get("label_reward_mean"))
                .average()
                .orElse(Double.NaN);
    }

    /** Whether any TRAIN record reports the proxy reward, or any evaluation scored its samples with it. */
    boolean hasProxyReward() {
        return train.stream().anyMatch(p -> Double.isFinite(p.get("label_reward_mean")))
                || evals.stream().anyMatch(e -> Double.isFinite(e.get("proxy_reward")));
    }

    /**
     * The proxy reward per evaluation: its {@code proxy_reward} when evaluations report it (step 0 included:
     * π_ref's samples); else, after step 0, the mean {@code label_reward_mean} of the TRAIN records since
     * the previous evaluation (steps in {@code (step_{i−1}, step_i]}), NaN where none reports it and for
     * step 0. Returned in the order of {@link #evals()}.
     */
    double[] proxyPerEval() {
        double[] out = new double[evals.size()];
        if (evals.stream().anyMatch(e -> Double.isFinite(e.get("proxy_reward")))) {
            for (int i = 0; i < evals.size(); i++) {
                out[i] = evals.get(i).get("proxy_reward"); // the evaluation's own samples under the proxy
            }
            return out;
        }
        long prev = Long.MIN_VALUE;
        for (int i = 0; i < evals.size(); i++) {
            long step = evals.get(i).step();
            long from = prev;
            out[i] = step == 0
                    ? Double.NaN
                    : train.stream()
                            .filter(p ->
                                    p.step() > from && p.step() <= step && Double.isFinite(p.get("label_reward_mean")))
                            .mapToDouble(p -> p.get("label_reward_mean"))
                            .average()
                            .orElse(Double.NaN);
            prev = step;
        }
        return out;
    }
}
