package io.prefstream.launcher.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A run with its trainer curves and the metrics derived from them for this experiment
 * ({@code gold_within_kl}, {@code gold_at_kl}, {@code time_to_target_s}, {@code final_proxy_reward}; see {@link ExperimentReport}).
 *
 * @param result  the run
 * @param curves  its EVAL and TRAIN records
 * @param derived derived metric values by name; NaN where the run has none (e.g. the target never reached)
 */
record MeasuredRun(RunResult result, RunCurves curves, Map<String, Double> derived) {

    static final String GOLD_WITHIN_KL = "gold_within_kl";
    static final String GOLD_AT_KL = "gold_at_kl";
    static final String TIME_TO_TARGET = "time_to_target_s";
    static final String FINAL_PROXY = "final_proxy_reward";

    MeasuredRun {
        derived = Collections.unmodifiableMap(new LinkedHashMap<>(derived)); // keeps the columns' order
    }

    /** The run's curves and the derived metrics the spec asks for (kl-budget, target-gold) or the data allows. */
    static MeasuredRun of(RunResult result, ExperimentSpec spec) {
        var curves = RunCurves.of(result.metrics());
        var derived = new LinkedHashMap<String, Double>();
        Double budget = spec.metrics().get("kl-budget");
        if (budget != null) {
            derived.put(GOLD_WITHIN_KL, curves.goldWithinKl(budget));
            derived.put(GOLD_AT_KL, curves.goldAtKl(budget));
        }
        Double target = spec.metrics().get("target-gold");
        JsonNode started = result.summary() == null ? null : result.summary().get("online_started_ms");
        if (target != null && started != null && started.isNumber()) {
            derived.put(TIME_TO_TARGET, curves.timeToTargetS(target, started.asLong()));
        }
        if (curves.hasProxyReward()) {
            derived.put(FINAL_PROXY, curves.finalProxyReward());
        }
        return new MeasuredRun(result, curves, derived);
    }

    String arm() {
        return result.arm();
    }

    long seed() {
        return result.seed();
    }

    /** A numeric summary field, NaN when absent, null or not a number. */
    double summary(String field) {
        JsonNode v = result.summary() == null ? null : result.summary().get(field);
        return v != null && v.isNumber() ? v.asDouble() : Double.NaN;
    }

    /** The metric as measured: a derived metric, else a numeric summary field; NaN when the run lacks it. */
    double raw(String metric) {
        Double d = derived.get(metric);
        return d != null ? d : summary(metric);
    }

    /** Whether the run has a time to the target and never reached it. */
    boolean missedTarget() {
        Double t = derived.get(TIME_TO_TARGET);
        return t != null && t.isNaN();
    }

    /**
     * The metric as compared between arms: {@link #raw}, except that a run that never reached the
     * target gold reward counts its whole online time {@code online_s} as its {@code time_to_target_s}
     * (a lower bound, so a t-test can use it).
     */
    double value(String metric) {
        if (metric.equals(TIME_TO_TARGET) && missedTarget()) {
            return summary("online_s");
        }
        return raw(metric);
    }
}
