package io.prefstream.trainer.objective;

import java.util.Map;

/**
 * Summary of n detached importance weights: mean, max and effective sample size
 * ESS = (Σw)² / Σw², also as a fraction ESS/n (1 = all weights equal).
 */
record ImportanceWeights(double mean, double max, double ess, double essFraction) {

    static ImportanceWeights of(double[] weights) {
        double sum = 0;
        double sumSq = 0;
        double max = Double.NEGATIVE_INFINITY;
        for (double w : weights) {
            sum += w;
            sumSq += w * w;
            max = Math.max(max, w);
        }
        int n = weights.length;
        double ess = sumSq > 0 ? sum * sum / sumSq : 0;
        return new ImportanceWeights(sum / n, max, ess, ess / n);
    }

    void putInto(Map<String, Double> metrics) {
        metrics.put(ObjectiveResult.WEIGHT_MEAN, mean);
        metrics.put(ObjectiveResult.WEIGHT_MAX, max);
        metrics.put(ObjectiveResult.ESS, ess);
        metrics.put(ObjectiveResult.ESS_FRACTION, essFraction);
    }
}
