package io.prefstream.trainer.objective;

import static io.prefstream.trainer.objective.Fixtures.leaf;
import static io.prefstream.trainer.objective.Fixtures.mat;
import static io.prefstream.trainer.objective.Fixtures.vec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** hypo: hand-computed RLOO surrogate, masks, truncated weights, and ∇KL on a softmax bandit. */
class HypoObjectiveTest {

    private static final ObjectiveParams P =
            ObjectiveParams.builder().beta(0.1).lambda(0.5).gamma(0.01).build();
    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    /** One offline pair with Δ = 2: DPO loss log(1 + e^−0.2) = 0.598138869. */
    private PairTensors pair() {
        return PairTensors.of(
                vec(manager, -10),
                vec(manager, -12),
                vec(manager, -11),
                vec(manager, -11),
                vec(manager, 3),
                vec(manager, 5));
    }

    /** Runs hypo on one group; returns {loss, kl, penalty, grad...}. */
    private double[] run(
            ObjectiveParams params,
            double[][] policy,
            double[][] ref,
            double[][] lengths,
            double[][] behaviour,
            double[][] mask) {
        NDArray leafPolicy = leaf(manager, policy);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            var groups = new GroupTensors(
                    leafPolicy,
                    mat(manager, ref),
                    behaviour == null ? Optional.empty() : Optional.of(mat(manager, behaviour)),
                    Optional.empty(),
                    mat(manager, lengths),
                    mask == null ? Optional.empty() : Optional.of(mat(manager, mask)));
            var input = ObjectiveInput.builder()
                    .offlinePairs(pair())
                    .unlabeledGroups(groups)
                    .build();
            double loss;
            double kl;
            double penalty;
            try (var r = Objectives.create("hypo", params).compute(input)) {
                loss = r.lossValue();
                kl = r.metric(ObjectiveResult.KL);
                penalty = r.metric(HypoObjective.KL_PENALTY);
                assertEquals(0.598138869, r.metric(HypoObjective.DPO_LOSS), 1e-9);
                assertEquals(loss, r.loss().getDouble(), 1e-12);
                gc.backward(r.loss());
            }
            double[] g = leafPolicy.getGradient().toDoubleArray();
            double[] out = new double[3 + g.length];
            out[0] = loss;
            out[1] = kl;
            out[2] = penalty;
            System.arraycopy(g, 0, out, 3, g.length);
            return out;
        }
    }

    @Test
    void handComputedSurrogate() {
        // s = (1, −1), c = λs + γ|y| = (0.52, −0.44), A = c − c_other = (0.96, −0.96), N = 2
        double[] r = run(P, new double[][] {{-3, -5}}, new double[][] {{-4, -4}}, new double[][] {{2, 6}}, null, null);
        assertEquals(0.598138869 + 0.04, r[0], 1e-9); // value = DPO + mean(c)
        assertEquals(0.0, r[1], 1e-12);
        assertEquals(0.04, r[2], 1e-12);
        assertEquals(0.48, r[3], 1e-12);
        assertEquals(-0.48, r[4], 1e-12);
    }

    @Test
    void leaveOneOutBaselineWithThreeSamplesAndPadding() {
        // K = 3 real: s = (1, −1, 3), λ = 0.5, γ = 0: c = (0.5, −0.5, 1.5)
        // A_i = c_i − mean_{j≠i} c_j = (0.5 − 0.5, −0.5 − 1, 1.5 − 0) = (0, −1.5, 1.5); N = 3
        var params = P.toBuilder().gamma(0).build();
        double[] three = run(
                params,
                new double[][] {{-3, -5, -1}},
                new double[][] {{-4, -4, -4}},
                new double[][] {{1, 1, 1}},
                null,
                null);
        assertArrayEquals(new double[] {0, -0.5, 0.5}, new double[] {three[3], three[4], three[5]}, 1e-12);
        assertEquals(0.598138869 + 0.5, three[0], 1e-9);
        // the same two-sample group padded to K = 3 equals the unpadded group
        double[] two =
                run(P, new double[][] {{-3, -5}}, new double[][] {{-4, -4}}, new double[][] {{2, 6}}, null, null);
        double[] padded = run(
                P,
                new double[][] {{-3, -5, 0}},
                new double[][] {{-4, -4, 0}},
                new double[][] {{2, 6, 0}},
                null,
                new double[][] {{1, 1, 0}});
        assertArrayEquals(new double[] {two[0], two[1], two[2], two[3], two[4], 0}, padded, 1e-12);
    }

    @Test
    void staleGroupsUseTruncatedImportanceWeights() {
        double[][] behaviour = {{-3.5, -4}}; // log π − log μ = (0.5, −1)
        double[] truncated =
                run(P, new double[][] {{-3, -5}}, new double[][] {{-4, -4}}, new double[][] {{2, 6}}, behaviour, null);
        assertEquals(0.96 * 1.0 / 2, truncated[3], 1e-12); // min(1, e^0.5) = 1
        assertEquals(-0.96 * Math.exp(-1) / 2, truncated[4], 1e-12);
        double[] untruncated = run(
                P.toBuilder().truncation(Double.POSITIVE_INFINITY).build(),
                new double[][] {{-3, -5}},
                new double[][] {{-4, -4}},
                new double[][] {{2, 6}},
                behaviour,
                null);
        assertEquals(0.96 * Math.exp(0.5) / 2, untruncated[3], 1e-12);
    }

    @Test
    void needsOfflinePairsAndUnlabeledGroups() {
        var objective = Objectives.create("hypo", P);
        var e = assertThrows(IllegalArgumentException.class, () -> objective.compute(ObjectiveInput.offline(pair())));
        assertTrue(
                e.getMessage()
                        .contains("'hypo' needs offline pairs and unlabeled groups in every batch, but the "
                                + "batch has only offline pairs (missing unlabeled groups)"),
                e.getMessage());
        var groups = GroupTensors.unlabeled(
                mat(manager, new double[][] {{-1, -2}}),
                mat(manager, new double[][] {{-1, -2}}),
                mat(manager, new double[][] {{1, 1}}));
        var online = assertThrows(
                IllegalArgumentException.class,
                () -> objective.compute(ObjectiveInput.builder()
                        .onlinePairs(pair())
                        .unlabeledGroups(groups)
                        .build()));
        assertTrue(online.getMessage().contains("needs offline pairs"), online.getMessage());
    }

    /**
     * On a 6-arm softmax bandit, the surrogate's gradient with k = 4 on-policy samples per group
     * matches ∇_θ KL(π_θ ‖ π_ref) = π_j·(s_j − KL) within Monte-Carlo tolerance (λ = 1, γ = 0).
     */
    @Test
    void surrogateGradientIsTheReverseKlGradient() {
        double[] theta0 = {0.5, -0.3, 1.2, 0.0, -1.0, 0.4};
        double[] refLogits = {0.0, 0.0, -0.5, 0.3, 0.2, -0.8};
        double[] logPi = Fixtures.logSoftmax(theta0);
        double[] logRef = Fixtures.logSoftmax(refLogits);
        double kl = 0;
        for (int j = 0; j < 6; j++) {
            kl += Math.exp(logPi[j]) * (logPi[j] - logRef[j]);
        }
        int groups = 50_000;
        int k = 4;
        var rng = new Random(23);
        double[] cdf = DiscreteGaussianPolicy.cdf(logPi);
        long[] idx = new long[groups * k];
        double[] ref = new double[groups * k];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = DiscreteGaussianPolicy.sample(cdf, rng);
            ref[i] = logRef[(int) idx[i]];
        }
        NDArray theta = manager.create(theta0);
        theta.setRequiresGradient(true);
        double[] grad;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            Shape shape = new Shape(groups, k);
            NDArray policy = theta.logSoftmax(0).take(manager.create(idx, shape)); // (G, K)
            var tensors =
                    GroupTensors.unlabeled(policy, manager.create(ref, shape), manager.ones(shape, DataType.FLOAT64));
            var input = ObjectiveInput.builder()
                    .offlinePairs(pair())
                    .unlabeledGroups(tensors)
                    .build();
            try (var r = Objectives.create(
                            "hypo", P.toBuilder().lambda(1).gamma(0).build())
                    .compute(input)) {
                assertEquals(kl, r.metric(ObjectiveResult.KL), 0.02); // Monte-Carlo estimate of KL
                gc.backward(r.loss());
            }
            grad = theta.getGradient().toDoubleArray();
        }
        for (int j = 0; j < 6; j++) {
            double exact = Math.exp(logPi[j]) * ((logPi[j] - logRef[j]) - kl);
            assertEquals(exact, grad[j], 0.01, "arm " + j);
        }
    }
}
