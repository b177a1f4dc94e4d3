package io.prefstream.trainer.objective;

import static io.prefstream.trainer.objective.Fixtures.leaf;
import static io.prefstream.trainer.objective.Fixtures.logSigmoid;
import static io.prefstream.trainer.objective.Fixtures.vec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ais-dpo and ais-ipo: hand-computed weights, α = 0 ≡ DPO/IPO, μ resolution, clip, gradients. */
class AisObjectiveTest {

    private static final ObjectiveParams P = ObjectiveParams.builder().beta(0.1).build();
    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    /** h_w = (1, −1), h_l = (−1, 0), |y_w| = (2, 1), |y_l| = (4, 2); Δ = (2, −1). */
    private PairTensors pairs() {
        return PairTensors.of(
                vec(manager, -10, -5),
                vec(manager, -12, -6),
                vec(manager, -11, -4),
                vec(manager, -11, -6),
                vec(manager, 2, 1),
                vec(manager, 4, 2));
    }

    @Test
    void lengthAdaptiveWeightsHandComputed() {
        try (var r = Objectives.create("ais-dpo", P).compute(ObjectiveInput.offline(pairs()))) {
            double w1 = Math.exp(1.0 / 2 - 1.0 / 4); // 1.2840254
            double w2 = Math.exp(-1.0 / 1 + 0.0 / 2); // 0.3678794
            assertEquals((w1 * 0.598138869 + w2 * 0.744396660) / 2, r.lossValue(), 1e-8);
            assertEquals((w1 + w2) / 2, r.metric(ObjectiveResult.WEIGHT_MEAN), 1e-12);
            assertEquals(w1, r.metric(ObjectiveResult.WEIGHT_MAX), 1e-12);
            double ess = (w1 + w2) * (w1 + w2) / (w1 * w1 + w2 * w2);
            assertEquals(ess, r.metric(ObjectiveResult.ESS), 1e-12);
            assertEquals(ess / 2, r.metric(ObjectiveResult.ESS_FRACTION), 1e-12);
        }
        try (var r = Objectives.create("ais-ipo", P).compute(ObjectiveInput.offline(pairs()))) {
            assertEquals((Math.exp(0.25) * 9 + Math.exp(-1) * 36) / 2, r.lossValue(), 1e-9);
        }
    }

    @Test
    void fixedAlphaAndClip() {
        var params = P.toBuilder().alpha(AisAlpha.fixed(0.5)).clip(1.1).build();
        try (var r = Objectives.create("ais-dpo", params).compute(ObjectiveInput.offline(pairs()))) {
            // w = min(1.1, exp(0.5·(h_w + h_l))) = (min(1.1, e^0), e^−0.5) = (1, 0.6065307)
            assertEquals((0.598138869 + Math.exp(-0.5) * 0.744396660) / 2, r.lossValue(), 1e-8);
        }
        var clipped = P.toBuilder().alpha(AisAlpha.fixed(1)).clip(1.1).build();
        var bigger = PairTensors.of(
                vec(manager, -1),
                vec(manager, -1),
                vec(manager, -3),
                vec(manager, -2),
                vec(manager, 1),
                vec(manager, 1)); // h_w + h_l = 3, w = min(1.1, e^3)
        try (var r = Objectives.create("ais-dpo", clipped).compute(ObjectiveInput.offline(bigger))) {
            assertEquals(1.1, r.metric(ObjectiveResult.WEIGHT_MAX), 1e-12);
            assertEquals(1.1 * -logSigmoid(0.1 * 1), r.lossValue(), 1e-12);
        }
    }

    @Test
    void alphaZeroIsExactlyDpoAndIpo() {
        var rng = new Random(5);
        int n = 32;
        double[][] c = new double[6][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 4; j++) {
                c[j][i] = -40 + 30 * rng.nextDouble();
            }
            c[4][i] = 1 + rng.nextInt(30);
            c[5][i] = 1 + rng.nextInt(30);
        }
        var pairs = PairTensors.of(
                vec(manager, c[0]),
                vec(manager, c[1]),
                vec(manager, c[2]),
                vec(manager, c[3]),
                vec(manager, c[4]),
                vec(manager, c[5]));
        var params = P.toBuilder().alpha(AisAlpha.fixed(0)).build();
        var input = ObjectiveInput.offline(pairs);
        try (var ais = Objectives.create("ais-dpo", params).compute(input);
                var dpo = Objectives.create("dpo", params).compute(input);
                var aisIpo = Objectives.create("ais-ipo", params).compute(input);
                var ipo = Objectives.create("ipo", params).compute(input)) {
            assertEquals(dpo.lossValue(), ais.lossValue(), 0.0);
            assertEquals(ipo.lossValue(), aisIpo.lossValue(), 0.0);
            assertEquals(1.0, ais.metric(ObjectiveResult.ESS_FRACTION), 0.0);
        }
    }

    @Test
    void onlinePairsUseTheBehaviourPolicyAsProposal() {
        var online = pairs().withBehaviour(vec(manager, -10, -5), vec(manager, -12, -6));
        var params = P.toBuilder().alpha(AisAlpha.fixed(1)).build();
        try (var r = Objectives.create("ais-dpo", params).compute(ObjectiveInput.online(online))) {
            // π_θ = μ: every weight is 1 although π_θ ≠ π_ref
            assertEquals(1.0, r.metric(ObjectiveResult.WEIGHT_MAX), 1e-12);
            assertEquals((0.598138869 + 0.744396660) / 2, r.lossValue(), 1e-8);
        }
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> Objectives.create("ais-dpo", params).compute(ObjectiveInput.online(pairs())));
        assertTrue(e.getMessage().contains("behaviour log-probs"), e.getMessage());
    }

    @Test
    void gradientTreatsWeightsAsConstants() {
        double[] pw = {-10, -5};
        double[] pl = {-12, -6};
        NDArray policyW = leaf(manager, pw);
        NDArray policyL = leaf(manager, pl);
        double[] gw;
        double[] gl;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            var pairs = PairTensors.of(
                    policyW,
                    policyL,
                    vec(manager, -11, -4),
                    vec(manager, -11, -6),
                    vec(manager, 2, 1),
                    vec(manager, 4, 2));
            try (var r = Objectives.create("ais-dpo", P).compute(ObjectiveInput.offline(pairs))) {
                gc.backward(r.loss());
            }
            gw = policyW.getGradient().toDoubleArray();
            gl = policyL.getGradient().toDoubleArray();
        }
        double[] w = {Math.exp(0.25), Math.exp(-1)};
        double[] delta = {2, -1};
        for (int i = 0; i < 2; i++) {
            // d/dΔ[−log σ(βΔ)] = −β·σ(−βΔ); the mean over 2 pairs halves it
            double g = -0.1 * Fixtures.sigmoid(-0.1 * delta[i]) * w[i] / 2;
            assertEquals(g, gw[i], 1e-12);
            assertEquals(-g, gl[i], 1e-12);
        }
    }
}
