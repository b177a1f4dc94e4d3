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
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** dpo, cdpo, ipo and online-dpo: hand-computed values, a double reference, gradients, guards. */
class DpoObjectivesTest {

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

    /** Pair 1: Δ = (−10+11) − (−12+11) = 2; pair 2: Δ = (−5+4) − (−6+6) = −1. */
    private PairTensors handPairs() {
        return PairTensors.of(
                vec(manager, -10, -5),
                vec(manager, -12, -6),
                vec(manager, -11, -4),
                vec(manager, -11, -6),
                vec(manager, 3, 4),
                vec(manager, 5, 6));
    }

    @Test
    void dpoHandComputed() {
        try (var r = Objectives.create("dpo", P).compute(ObjectiveInput.offline(handPairs()))) {
            // (log(1+e^−0.2) + log(1+e^0.1)) / 2 = (0.598138869 + 0.744396660) / 2
            assertEquals(0.6712677645, r.lossValue(), 1e-9);
            assertEquals(0.6712677645, r.loss().getDouble(), 1e-9);
            assertEquals(0.5, r.metric(ObjectiveResult.ACCURACY), 0);
            assertEquals(0.05, r.metric(ObjectiveResult.REWARD_MARGIN), 1e-12);
            assertEquals(0.0, r.metric(ObjectiveResult.REWARD_CHOSEN), 1e-12); // β·(1 − 1)/2
            assertEquals(-0.05, r.metric(ObjectiveResult.REWARD_REJECTED), 1e-12); // β·(−1 + 0)/2
            assertEquals(-7.5, r.metric(ObjectiveResult.LOGP_CHOSEN), 1e-12);
            assertEquals(-9.0, r.metric(ObjectiveResult.LOGP_REJECTED), 1e-12);
            assertEquals(-0.25, r.metric(ObjectiveResult.LOGRATIO_MEAN), 1e-12);
            assertEquals(2.0, r.metric(ObjectiveResult.PAIRS), 0);
        }
    }

    @Test
    void cdpoHandComputed() {
        var params = P.toBuilder().labelSmoothing(0.1).build();
        try (var r = Objectives.create("cdpo", params).compute(ObjectiveInput.offline(handPairs()))) {
            // 0.9·0.598138869 + 0.1·0.798138869 = 0.618138869; 0.9·0.744396660 + 0.1·0.644396660 = 0.73439666
            assertEquals((0.618138869 + 0.73439666) / 2, r.lossValue(), 1e-8);
        }
    }

    @Test
    void ipoHandComputed() {
        try (var r = Objectives.create("ipo", P).compute(ObjectiveInput.offline(handPairs()))) {
            // 1/(2β) = 5: ((2 − 5)² + (−1 − 5)²) / 2 = (9 + 36) / 2
            assertEquals(22.5, r.lossValue(), 1e-9);
        }
    }

    @Test
    void matchDoubleReferenceOnRandomPairsInFloat32() {
        var rng = new Random(11);
        int n = 64;
        double[][] cols = new double[4][n];
        for (double[] col : cols) {
            for (int i = 0; i < n; i++) {
                col[i] = -30 + 25 * rng.nextDouble();
            }
        }
        double beta = 0.3;
        double eps = 0.2;
        var params = P.toBuilder().beta(beta).labelSmoothing(eps).build();
        float[][] f = new float[4][n];
        for (int c = 0; c < 4; c++) {
            for (int i = 0; i < n; i++) {
                f[c][i] = (float) cols[c][i];
                cols[c][i] = f[c][i]; // the reference sees exactly the float32 inputs
            }
        }
        NDArray lengths = manager.ones(new ai.djl.ndarray.types.Shape(n), DataType.FLOAT32);
        var pairs = PairTensors.of(
                manager.create(f[0]),
                manager.create(f[1]),
                manager.create(f[2]),
                manager.create(f[3]),
                lengths,
                lengths);
        double dpo = 0;
        double cdpo = 0;
        double ipo = 0;
        for (int i = 0; i < n; i++) {
            double d = (cols[0][i] - cols[2][i]) - (cols[1][i] - cols[3][i]);
            dpo += -logSigmoid(beta * d) / n;
            cdpo += (-(1 - eps) * logSigmoid(beta * d) - eps * logSigmoid(-beta * d)) / n;
            ipo += Math.pow(d - 1 / (2 * beta), 2) / n;
        }
        var input = ObjectiveInput.offline(pairs);
        try (var a = Objectives.create("dpo", params).compute(input);
                var b = Objectives.create("cdpo", params).compute(input);
                var c = Objectives.create("ipo", params).compute(input)) {
            assertEquals(DataType.FLOAT32, a.loss().getDataType());
            assertEquals(dpo, a.lossValue(), 1e-5 * Math.max(1, dpo));
            assertEquals(cdpo, b.lossValue(), 1e-5 * Math.max(1, cdpo));
            assertEquals(ipo, c.lossValue(), 1e-5 * ipo);
        }
    }

    @Test
    void stableForExtremeMargins() {
        var pairs = PairTensors.of(
                vec(manager, 0, -5000),
                vec(manager, -5000, 0),
                vec(manager, 0, 0),
                vec(manager, 0, 0),
                vec(manager, 1, 1),
                vec(manager, 1, 1));
        try (var r = Objectives.create("dpo", P.toBuilder().beta(1).build()).compute(ObjectiveInput.offline(pairs))) {
            assertEquals(2500.0, r.lossValue(), 1e-9); // (0 + 5000) / 2
        }
    }

    @Test
    void gradientsMatchCentralDifferences() {
        double[] pw = {-10, -5, -7.5};
        double[] pl = {-12, -6, -7.0};
        double[] rw = {-11, -4, -8};
        double[] rl = {-11, -6, -6.5};
        for (String name : new String[] {"dpo", "cdpo", "ipo"}) {
            var params = P.toBuilder().beta(0.5).labelSmoothing(0.15).build();
            NDArray policyW = leaf(manager, pw);
            NDArray policyL = leaf(manager, pl);
            double[] gw;
            double[] gl;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                var pairs = PairTensors.of(
                        policyW,
                        policyL,
                        vec(manager, rw),
                        vec(manager, rl),
                        vec(manager, 1, 1, 1),
                        vec(manager, 1, 1, 1));
                try (var r = Objectives.create(name, params).compute(ObjectiveInput.offline(pairs))) {
                    gc.backward(r.loss());
                }
                gw = policyW.getGradient().toDoubleArray();
                gl = policyL.getGradient().toDoubleArray();
            }
            double h = 1e-6;
            for (int i = 0; i < pw.length; i++) {
                double[] up = pw.clone();
                double[] down = pw.clone();
                up[i] += h;
                down[i] -= h;
                double fd =
                        (reference(name, params, up, pl, rw, rl) - reference(name, params, down, pl, rw, rl)) / (2 * h);
                assertEquals(fd, gw[i], 1e-7, name + " d/dpolicyChosen[" + i + "]");
                double[] upL = pl.clone();
                double[] downL = pl.clone();
                upL[i] += h;
                downL[i] -= h;
                double fdL = (reference(name, params, pw, upL, rw, rl) - reference(name, params, pw, downL, rw, rl))
                        / (2 * h);
                assertEquals(fdL, gl[i], 1e-7, name + " d/dpolicyRejected[" + i + "]");
            }
        }
    }

    private static double reference(
            String name, ObjectiveParams p, double[] pw, double[] pl, double[] rw, double[] rl) {
        double sum = 0;
        double beta = p.beta();
        double eps = p.labelSmoothing();
        for (int i = 0; i < pw.length; i++) {
            double d = (pw[i] - rw[i]) - (pl[i] - rl[i]);
            sum += switch (name) {
                case "dpo" -> -logSigmoid(beta * d);
                case "cdpo" -> -(1 - eps) * logSigmoid(beta * d) - eps * logSigmoid(-beta * d);
                case "ipo" -> Math.pow(d - 1 / (2 * beta), 2);
                default -> throw new IllegalStateException(name);
            };
        }
        return sum / pw.length;
    }

    @Test
    void onlineDpoMixesOfflineAndOnlinePairsAsOneBatch() {
        var offline = PairTensors.of(
                vec(manager, -10),
                vec(manager, -12),
                vec(manager, -11),
                vec(manager, -11),
                vec(manager, 3),
                vec(manager, 5));
        var online = PairTensors.of(
                        vec(manager, -5),
                        vec(manager, -6),
                        vec(manager, -4),
                        vec(manager, -6),
                        vec(manager, 4),
                        vec(manager, 6))
                .withBehaviour(vec(manager, -4.5), vec(manager, -6.5));
        var objective = Objectives.create("iterative-dpo", P);
        assertEquals("online-dpo", objective.name());
        var input = ObjectiveInput.builder()
                .offlinePairs(offline)
                .onlinePairs(online)
                .build();
        try (var r = objective.compute(input)) {
            assertEquals(0.6712677645, r.lossValue(), 1e-9); // the same two pairs as dpoHandComputed
            assertEquals(2.0, r.metric(ObjectiveResult.PAIRS), 0);
        }
        // a batch whose online groups yielded no pair (all tied) trains on its offline pairs: the mean
        // over the pairs present, here the offline pair's Δ = (−10 + 11) − (−12 + 11) = 2 alone
        try (var r = objective.compute(ObjectiveInput.offline(offline))) {
            assertEquals(Math.log1p(Math.exp(-0.1 * 2)), r.lossValue(), 1e-7);
            assertEquals(1.0, r.metric(ObjectiveResult.PAIRS), 0);
        }
        // with no pair at all there is nothing to average
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> objective.compute(ObjectiveInput.builder().build()));
        assertTrue(
                e.getMessage().contains("'online-dpo' needs at least one of offline pairs or online pairs"),
                e.getMessage());
    }

    @Test
    void unusedInputsAreRejected() {
        var groups = GroupTensors.unlabeled(
                Fixtures.mat(manager, new double[][] {{-1, -2}}),
                Fixtures.mat(manager, new double[][] {{-1, -2}}),
                Fixtures.mat(manager, new double[][] {{1, 1}}));
        var input = ObjectiveInput.builder()
                .offlinePairs(handPairs())
                .unlabeledGroups(groups)
                .build();
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> Objectives.create("dpo", P).compute(input));
        assertTrue(e.getMessage().contains("does not use unlabeled groups"), e.getMessage());
        var none = assertThrows(
                IllegalArgumentException.class,
                () -> Objectives.create("ipo", P)
                        .compute(ObjectiveInput.builder().build()));
        assertTrue(
                none.getMessage().contains("at least one of offline pairs or online pairs")
                        && none.getMessage().contains("no inputs"),
                none.getMessage());
    }

    @Test
    void nonFiniteInputsAreRejected() {
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> PairTensors.of(
                        vec(manager, -1, -2),
                        vec(manager, -1, Double.NaN),
                        vec(manager, -1, -1),
                        vec(manager, -1, -1),
                        vec(manager, 1, 1),
                        vec(manager, 1, 1)));
        assertTrue(e.getMessage().contains("policyRejected") && e.getMessage().contains("NaN"), e.getMessage());
        var inf = assertThrows(
                IllegalArgumentException.class,
                () -> PairTensors.of(
                        vec(manager, -1),
                        vec(manager, -1),
                        vec(manager, Double.NEGATIVE_INFINITY),
                        vec(manager, -1),
                        vec(manager, 1),
                        vec(manager, 1)));
        assertTrue(inf.getMessage().contains("refChosen"), inf.getMessage());
        var shape = assertThrows(
                IllegalArgumentException.class,
                () -> PairTensors.of(
                        vec(manager, -1, -2),
                        vec(manager, -1),
                        vec(manager, -1, -1),
                        vec(manager, -1, -1),
                        vec(manager, 1, 1),
                        vec(manager, 1, 1)));
        assertTrue(shape.getMessage().contains("expected shape (2)"), shape.getMessage());
        var len = assertThrows(
                IllegalArgumentException.class,
                () -> PairTensors.of(
                        vec(manager, -1),
                        vec(manager, -1),
                        vec(manager, -1),
                        vec(manager, -1),
                        vec(manager, 0),
                        vec(manager, 1)));
        assertTrue(len.getMessage().contains("lengthChosen"), len.getMessage());
    }

    @Test
    void closesEveryTemporary() {
        var pairs = handPairs();
        int before = Fixtures.managedArrays(manager);
        for (String name : new String[] {"dpo", "cdpo", "ipo"}) {
            var r = Objectives.create(name, P).compute(ObjectiveInput.offline(pairs));
            assertEquals(before + 1, Fixtures.managedArrays(manager), name + " keeps only the loss");
            r.close();
            assertEquals(before, Fixtures.managedArrays(manager), name);
        }
    }
}
