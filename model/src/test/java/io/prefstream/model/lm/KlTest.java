package io.prefstream.model.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.prefstream.model.TestModels;
import io.prefstream.model.nn.NoGrad;
import java.util.List;
import org.junit.jupiter.api.Test;

class KlTest {

    @Test
    void twoTokenVocabularyByHand() {
        // position 1: π = (0.8, 0.2), π_ref = (0.5, 0.5); position 2: π = (0.1, 0.9), π_ref = (0.3, 0.7), masked out
        try (NDManager m = NDManager.newBaseManager()) {
            var logp = m.create(new float[] {0.8f, 0.2f, 0.1f, 0.9f}, new Shape(1, 2, 2))
                    .log();
            var logq = m.create(new float[] {0.5f, 0.5f, 0.3f, 0.7f}, new Shape(1, 2, 2))
                    .log();
            double kl1 = 0.8 * Math.log(0.8 / 0.5) + 0.2 * Math.log(0.2 / 0.5); // 0.192745
            double kl2 = 0.1 * Math.log(0.1 / 0.3) + 0.9 * Math.log(0.9 / 0.7); // 0.116328
            assertEquals(
                    kl1,
                    LogProbs.klFromLogProbs(logp, logq, m.create(new float[] {1f, 0f}, new Shape(1, 2)))
                            .getFloat(),
                    1e-6);
            assertEquals(
                    kl1 + kl2,
                    LogProbs.klFromLogProbs(logp, logq, m.create(new float[] {1f, 1f}, new Shape(1, 2)))
                            .getFloat(),
                    1e-6);
            assertEquals(0.192745, kl1, 1e-6);
        }
    }

    @Test
    void klOfModelWithItselfIsZeroAndMatchesNaiveSumAgainstAnother() {
        try (var p = TestModels.tinyLm(1);
                var q = TestModels.tinyLm(2)) {
            var tk = p.tokenizer();
            var batch = ScoringBatch.ofText(tk, List.of("1+2=", "47+38="), List.of("3", "851"), List.of(true, false));
            double[] self = LogProbs.klNoGrad(p, p.frozenCopy(), batch, 1.0);
            assertEquals(0.0, self[0], 1e-6);
            assertEquals(0.0, self[1], 1e-6);
            double[] kl = LogProbs.klNoGrad(p, q, batch, 0.8);
            // naive: loop over rows, response positions and vocabulary in Java
            try (NoGrad ng = NoGrad.enter();
                    NDManager m = NDManager.newBaseManager()) {
                float[] lp = LogProbs.logSoftmax(m, p, batch, 0.8).toFloatArray();
                float[] lq = LogProbs.logSoftmax(m, q, batch, 0.8).toFloatArray();
                int t = batch.length();
                int v = p.config().vocabSize();
                for (int b = 0; b < 2; b++) {
                    double sum = 0;
                    int positions = 0;
                    for (int c = 0; c < t; c++) {
                        if (batch.targetMask()[b * t + c] == 0f) {
                            continue;
                        }
                        positions++;
                        for (int k = 0; k < v; k++) {
                            int i = (b * t + c) * v + k;
                            sum += Math.exp(lp[i]) * (lp[i] - lq[i]);
                        }
                    }
                    assertEquals(b == 0 ? 2 : 3, positions);
                    assertEquals(sum, kl[b], 1e-5);
                    assertTrue(kl[b] > 0);
                }
            }
        }
    }
}
