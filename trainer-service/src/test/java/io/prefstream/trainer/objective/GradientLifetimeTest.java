package io.prefstream.trainer.objective;

import static io.prefstream.trainer.objective.Fixtures.leaf;
import static io.prefstream.trainer.objective.Fixtures.mat;
import static io.prefstream.trainer.objective.Fixtures.vec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Gradients must not depend on what happens between {@code compute} and {@code backward}: the
 * objectives close their temporaries before returning, and with DJL's PyTorch engine a closed
 * Java-backed constant saved by autograd is freed memory once the GC runs (see {@link
 * NativeTensors}). Each objective's gradient after heavy GC and direct-buffer churn must equal the
 * gradient taken right away.
 */
class GradientLifetimeTest {

    @Test
    void gradientsSurviveGarbageCollectionBeforeBackward() {
        for (String name : Objectives.names()) {
            double[] calm = gradient(name, false);
            double[] churned = gradient(name, true);
            assertArrayEquals(calm, churned, 0.0, name);
            assertTrue(java.util.Arrays.stream(calm).anyMatch(g -> g != 0), name + " has a gradient");
        }
    }

    private static double[] gradient(String name, boolean churn) {
        var params = ObjectiveParams.builder()
                .lambda(0.3)
                .gamma(0.01)
                .labelSmoothing(0.2)
                .alpha(AisAlpha.LENGTH)
                .clip(3)
                .build();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray pw = leaf(m, -10, -5, -7.5);
            NDArray pl = leaf(m, -12, -6, -7.0);
            NDArray groupPolicy = leaf(m, new double[][] {{-3, -4, -2}, {-6, -5, -7}});
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                var pairs = PairTensors.of(
                        pw, pl, vec(m, -11, -4, -8), vec(m, -11, -6, -6.5), vec(m, 3, 2, 4), vec(m, 5, 3, 2));
                var groups = new GroupTensors(
                        groupPolicy,
                        mat(m, new double[][] {{-3.5, -3, -2.2}, {-5, -5.5, -8}}),
                        Optional.of(mat(m, new double[][] {{-3.1, -4.2, -2.5}, {-6.2, -5.1, -6.6}})),
                        Optional.of(mat(m, new double[][] {{0.2, 0.9, -0.3}, {1, 0, 0.5}})),
                        mat(m, new double[][] {{3, 4, 5}, {6, 2, 3}}),
                        Optional.of(mat(m, new double[][] {{1, 1, 1}, {1, 1, 0}})));
                var objective = Objectives.create(name, params);
                var kinds = objective.requirements().accepted();
                var builder = ObjectiveInput.builder();
                if (kinds.contains(DataKind.ONLINE_PAIRS)) {
                    builder.onlinePairs(pairs.withBehaviour(vec(m, -9.5, -5, -7), vec(m, -12.5, -6, -7.2)));
                } else if (kinds.contains(DataKind.OFFLINE_PAIRS)) {
                    builder.offlinePairs(pairs);
                }
                if (kinds.contains(DataKind.LABELED_GROUPS)) {
                    builder.labeledGroups(groups);
                }
                if (kinds.contains(DataKind.UNLABELED_GROUPS)) {
                    builder.unlabeledGroups(groups);
                }
                try (var result = objective.compute(builder.build())) {
                    if (churn) {
                        churn();
                    }
                    gc.backward(result.loss());
                }
                double[] a = TensorChecks.values(pw.getGradient()); // zeros when unused
                double[] b = TensorChecks.values(pl.getGradient());
                double[] c = TensorChecks.values(groupPolicy.getGradient());
                double[] all = new double[a.length + b.length + c.length];
                System.arraycopy(a, 0, all, 0, a.length);
                System.arraycopy(b, 0, all, a.length, b.length);
                System.arraycopy(c, 0, all, a.length + b.length, c.length);
                return all;
            }
        }
    }

    /** Frees unreachable direct buffers and reuses their memory with junk. */
    private static void churn() {
        for (int round = 0; round < 5; round++) {
            System.gc();
            List<ByteBuffer> junk = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                ByteBuffer b = ByteBuffer.allocateDirect(1 << 14);
                while (b.remaining() >= 8) {
                    b.putDouble(1.2345e300);
                }
                junk.add(b);
            }
        }
    }
}
