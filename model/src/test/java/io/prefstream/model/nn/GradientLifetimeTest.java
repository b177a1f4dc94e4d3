package io.prefstream.model.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.prefstream.model.TestModels;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.lm.LogProbs;
import io.prefstream.model.lm.ScoringBatch;
import io.prefstream.model.reward.BradleyTerry;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Gradients must not depend on when the garbage collector runs between forward and backward: every
 * tensor autograd saves (scaled attention, temperature, token indices, masks) is owned by PyTorch, not by
 * a Java buffer that closing and GC free. Before {@link NativeScalar}, a GC between forward and backward
 * gave garbage gradients (or index-out-of-bounds crashes).
 */
class GradientLifetimeTest {

    @Test
    void sequenceLogProbGradientIsTheSameWithAndWithoutGcBeforeBackward() {
        float[] calm = gradient(false);
        float[] stormy = gradient(true);
        assertTrue(norm(calm) > 1e-3, "gradient is non-trivial");
        assertArrayEquals(calm, stormy, 0f, "gradients must be bit-identical whatever the GC does");
    }

    @Test
    void bradleyTerryGradientSurvivesGc() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray chosen = NativeScalar.of(m.create(0f), 0).add(m.create(new float[] {0.5f, -1f, 2f}));
            NDArray rejected = m.create(new float[] {0f, 0f, 0f}).duplicate();
            chosen.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray loss = BradleyTerry.loss(chosen, rejected);
                churnGarbage();
                gc.backward(loss);
            }
            // d/dd of mean(softplus(-d)) = -σ(-d)/n
            float[] g = chosen.getGradient().toFloatArray();
            double[] d = {0.5, -1, 2};
            for (int i = 0; i < 3; i++) {
                double expected = -1 / (1 + Math.exp(d[i])) / 3;
                assertTrue(Math.abs(g[i] - expected) < 1e-6, "grad[" + i + "]=" + g[i] + " expected " + expected);
            }
        }
    }

    private static float[] gradient(boolean gcBeforeBackward) {
        try (CausalLm lm = TestModels.tinyLm(7);
                NDManager scope = NDManager.newBaseManager()) {
            lm.setTrainable(true);
            var batch = ScoringBatch.ofText(
                    lm.tokenizer(), List.of("12+34=", "7+8="), List.of("46", "15"), List.of(true, true));
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray logp = LogProbs.sequence(scope, lm, batch, 0.7); // (B), temperature ≠ 1
                NDArray loss = logp.sum().neg();
                if (gcBeforeBackward) {
                    churnGarbage();
                }
                gc.backward(loss);
            }
            var grads =
                    lm.parameters().arrays().stream().map(NDArray::getGradient).toList();
            int size = grads.stream().mapToInt(g -> (int) g.size()).sum();
            float[] all = new float[size];
            int at = 0;
            for (NDArray g : grads) {
                float[] part = g.toFloatArray();
                System.arraycopy(part, 0, all, at, part.length);
                at += part.length;
            }
            return all;
        }
    }

    /** Frees closed Java-backed buffers and overwrites the memory they held. */
    private static void churnGarbage() {
        for (int round = 0; round < 5; round++) {
            System.gc();
            try (NDManager junk = NDManager.newBaseManager()) {
                for (int i = 0; i < 200; i++) {
                    junk.create(new float[256]).close();
                    junk.ones(new ai.djl.ndarray.types.Shape(64)).mul(123_456f).close();
                }
            }
        }
    }

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }
}
