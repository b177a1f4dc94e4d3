package io.prefstream.model.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prefstream.model.TestModels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The on-device draw against the distribution it must sample: the first token's empirical
 * frequencies over many rows equal softmax(z/τ + m) (restricted and renormalised by top-k, top-p),
 * computed naively here in Java from the same logits.
 */
class SamplerDistributionTest {

    static final int ROWS = 6000;

    @Test
    void firstTokenFrequenciesMatchTheNaiveDistribution() {
        try (CausalLm lm = TestModels.tinyLm(11)) {
            int[] prompt = lm.tokenizer().encodePrompt("47+3");
            double[] logits = lastLogits(lm, prompt);
            for (var options : List.of(
                    SamplingOptions.of(1.0, 1, 3),
                    SamplingOptions.of(0.5, 1, 4).withTopK(3),
                    SamplingOptions.of(2.0, 1, 5).withTopP(0.6))) {
                double[] expected = naive(lm, logits, options);
                double[] seen = new double[expected.length];
                for (Completion c : Sampler.sample(lm, List.of(prompt), ROWS, options.withStopAtEos(false))) {
                    seen[c.tokens()[0]] += 1.0 / ROWS;
                }
                double tv = 0;
                for (int i = 0; i < seen.length; i++) {
                    if (expected[i] == 0) {
                        assertEquals(0, seen[i], "token " + i + " is outside the kept set but was drawn, " + options);
                    }
                    tv += Math.abs(seen[i] - expected[i]) / 2;
                }
                // 6,000 draws over ≤ 15 outcomes: the expected total variation is about 0.02
                assertTrue(
                        tv < 0.035,
                        "total variation " + tv + " for " + options + ": expected " + Arrays.toString(expected)
                                + " seen " + Arrays.toString(seen));
            }
        }
    }

    private static double[] lastLogits(CausalLm lm, int[] prompt) {
        float[] all = lm.sequenceLogits(prompt); // (T, V)
        int v = lm.config().vocabSize();
        double[] d = new double[v];
        for (int i = 0; i < v; i++) {
            d[i] = all[(prompt.length - 1) * v + i];
        }
        return d;
    }

    /** softmax(z/τ + m), then top-k, then top-p over the tokens sorted by probability, renormalised. */
    private static double[] naive(CausalLm lm, double[] logits, SamplingOptions o) {
        int v = logits.length;
        double[] p = new double[v];
        double max = Double.NEGATIVE_INFINITY;
        var suppressed = Arrays.stream(lm.tokenizer().suppressed()).boxed().toList();
        for (int i = 0; i < v; i++) {
            p[i] = suppressed.contains(i) ? Double.NEGATIVE_INFINITY : logits[i] / o.temperature();
            max = Math.max(max, p[i]);
        }
        double z = 0;
        for (int i = 0; i < v; i++) {
            p[i] = Math.exp(p[i] - max);
            z += p[i];
        }
        var order = new ArrayList<Integer>();
        for (int i = 0; i < v; i++) {
            p[i] /= z;
            order.add(i);
        }
        order.sort(Collections.reverseOrder((a, b) -> Double.compare(p[a], p[b])));
        int keep = o.topK() > 0 ? Math.min(v, o.topK()) : v;
        double kept = 0;
        for (int i = 0; i < keep; i++) {
            kept += p[order.get(i)];
        }
        if (o.topP() < 1) {
            double cumulative = 0;
            for (int i = 0; i < keep; i++) {
                cumulative += p[order.get(i)] / kept;
                if (cumulative >= o.topP()) {
                    keep = i + 1;
                    break;
                }
            }
        }
        double[] out = new double[v];
        double total = 0;
        for (int i = 0; i < keep; i++) {
            total += p[order.get(i)];
        }
        for (int i = 0; i < keep; i++) {
            out[order.get(i)] = p[order.get(i)] / total;
        }
        return out;
    }
}
