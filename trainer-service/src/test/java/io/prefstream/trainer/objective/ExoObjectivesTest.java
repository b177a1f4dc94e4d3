package io.prefstream.trainer.objective;

import static io.prefstream.trainer.objective.Fixtures.leaf;
import static io.prefstream.trainer.objective.Fixtures.logSoftmax;
import static io.prefstream.trainer.objective.Fixtures.mat;
import static io.prefstream.trainer.objective.Fixtures.sigmoid;
import static io.prefstream.trainer.objective.Fixtures.vec;
import static org.junit.jupiter.api.Assertions.assertEquals;
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

/** exo-pair, exo-rw and dpo-rw against a double reference, their stationary points and §5. */
class ExoObjectivesTest {

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    // ---- double references ---------------------------------------------------------------------

    /** KL((σ(a), σ(−a)) ‖ (σ(t), σ(−t))), a = β_π·Δ + c, t = log((1−ε)/ε) + c. */
    static double exoPairReference(double delta, double c, double betaPi, double eps) {
        double a = betaPi * delta + c;
        double t = Math.log((1 - eps) / eps) + c;
        double p = sigmoid(a);
        double q = sigmoid(t);
        return p * Math.log(p / q) + (1 - p) * Math.log((1 - p) / (1 - q));
    }

    /** Mean over groups of exo-rw (forward = false) or dpo-rw (forward = true); q = null for q = π_ref. */
    static double groupReference(
            double[][] pol,
            double[][] ref,
            double[][] q,
            double[][] r,
            double[][] mask,
            double betaPi,
            double betaR,
            boolean forward) {
        double total = 0;
        for (int g = 0; g < pol.length; g++) {
            int real = 0;
            for (double m : mask[g]) {
                real += (int) m;
            }
            double[] f = new double[real];
            double[] rr = new double[real];
            int j = 0;
            for (int k = 0; k < pol[g].length; k++) {
                if (mask[g][k] == 1) {
                    double corr = q == null ? 0 : ref[g][k] - q[g][k];
                    f[j] = betaPi * (pol[g][k] - ref[g][k]) + corr;
                    rr[j] = r[g][k] / betaR + corr;
                    j++;
                }
            }
            double[] lf = logSoftmax(f);
            double[] lr = logSoftmax(rr);
            for (int k = 0; k < real; k++) {
                total += forward ? -Math.exp(lr[k]) * lf[k] : Math.exp(lf[k]) * (lf[k] - lr[k]);
            }
        }
        return total / pol.length;
    }

    private static double[][] ones(int g, int k) {
        double[][] m = new double[g][k];
        for (double[] row : m) {
            java.util.Arrays.fill(row, 1);
        }
        return m;
    }

    // ---- exo-pair ------------------------------------------------------------------------------

    @Test
    void exoPairHandComputed() {
        var params = ObjectiveParams.builder().betaPi(0.5).exoEpsilon(0.1).build();
        // Δ = 2 → a = 1: σ(1)·ln(σ(1)/0.9) + σ(−1)·ln(σ(−1)/0.1)
        double expected = 0.7310585786 * Math.log(0.7310585786 / 0.9) + 0.2689414214 * Math.log(0.2689414214 / 0.1);
        var pairs = PairTensors.of(
                vec(manager, -10),
                vec(manager, -12),
                vec(manager, -11),
                vec(manager, -11),
                vec(manager, 1),
                vec(manager, 1));
        try (var r = Objectives.create("exo-pair", params).compute(ObjectiveInput.offline(pairs))) {
            assertEquals(expected, r.lossValue(), 1e-10);
            assertEquals(0.114083, expected, 1e-6); // −0.151987 + 0.266070
            assertEquals(1.0, r.metric(ObjectiveResult.REWARD_MARGIN), 1e-12); // β_π·Δ
        }
    }

    @Test
    void exoPairMinimumIsAtTheFiniteMargin() {
        double betaPi = 0.5;
        double eps = 1e-3;
        var params = ObjectiveParams.builder().betaPi(betaPi).exoEpsilon(eps).build();
        double deltaStar = Math.log((1 - eps) / eps) / betaPi; // 13.8136
        double[] deltas = {deltaStar - 1, deltaStar - 0.1, deltaStar, deltaStar + 0.1, deltaStar + 1};
        double[] losses = new double[deltas.length];
        double[] grads = new double[deltas.length];
        for (int i = 0; i < deltas.length; i++) {
            NDArray chosen = leaf(manager, deltas[i]);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                var pairs = PairTensors.of(
                        chosen, vec(manager, 0), vec(manager, 0), vec(manager, 0), vec(manager, 1), vec(manager, 1));
                try (var r = Objectives.create("exo-pair", params).compute(ObjectiveInput.offline(pairs))) {
                    losses[i] = r.lossValue();
                    gc.backward(r.loss());
                }
                grads[i] = chosen.getGradient().getDouble();
            }
        }
        assertEquals(0.0, losses[2], 1e-12, "KL is 0 at Δ*");
        assertEquals(0.0, grads[2], 1e-12, "gradient vanishes at Δ*");
        assertTrue(grads[0] < 0 && grads[1] < 0 && grads[3] > 0 && grads[4] > 0, java.util.Arrays.toString(grads));
        assertTrue(losses[0] > losses[1] && losses[4] > losses[3] && losses[1] > 0 && losses[3] > 0);
    }

    @Test
    void exoPairGradientMatchesCentralDifferencesWithAndWithoutBehaviour() {
        double[] pw = {-10, -5, -7.5};
        double[] pl = {-12, -6, -7.0};
        double[] rw = {-11, -4, -8};
        double[] rl = {-11, -6, -6.5};
        double[] qw = {-10.5, -4.2, -7.9};
        double[] ql = {-11.5, -6.3, -6.0};
        var params = ObjectiveParams.builder().betaPi(0.7).exoEpsilon(0.05).build();
        for (boolean online : new boolean[] {false, true}) {
            NDArray policyW = leaf(manager, pw);
            double[] g;
            double value;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                var pairs = PairTensors.of(
                        policyW,
                        vec(manager, pl),
                        vec(manager, rw),
                        vec(manager, rl),
                        vec(manager, 1, 1, 1),
                        vec(manager, 1, 1, 1));
                var input = online
                        ? ObjectiveInput.online(pairs.withBehaviour(vec(manager, qw), vec(manager, ql)))
                        : ObjectiveInput.offline(pairs);
                try (var r = Objectives.create("exo-pair", params).compute(input)) {
                    value = r.lossValue();
                    gc.backward(r.loss());
                }
                g = policyW.getGradient().toDoubleArray();
            }
            assertEquals(exoPairMean(pw, pl, rw, rl, online ? qw : null, online ? ql : null, params), value, 1e-12);
            double h = 1e-6;
            for (int i = 0; i < pw.length; i++) {
                double[] up = pw.clone();
                double[] down = pw.clone();
                up[i] += h;
                down[i] -= h;
                double fd = (exoPairMean(up, pl, rw, rl, online ? qw : null, online ? ql : null, params)
                                - exoPairMean(down, pl, rw, rl, online ? qw : null, online ? ql : null, params))
                        / (2 * h);
                assertEquals(fd, g[i], 1e-8, "online=" + online + " i=" + i);
            }
        }
    }

    private static double exoPairMean(
            double[] pw, double[] pl, double[] rw, double[] rl, double[] qw, double[] ql, ObjectiveParams p) {
        double sum = 0;
        for (int i = 0; i < pw.length; i++) {
            double c = qw == null ? 0 : (rw[i] - qw[i]) - (rl[i] - ql[i]);
            sum += exoPairReference((pw[i] - rw[i]) - (pl[i] - rl[i]), c, p.betaPi(), p.exoEpsilon());
        }
        return sum / pw.length;
    }

    // ---- exo-rw / dpo-rw -----------------------------------------------------------------------

    @Test
    void groupLossesHandComputed() {
        // one group, K = 2, β_π = 1, β_r = 1: f = (1, 0), r = (0, 1)
        var params = ObjectiveParams.builder().betaPi(1).betaR(1).build();
        var groups = GroupTensors.labeled(
                mat(manager, new double[][] {{-1, -3}}),
                mat(manager, new double[][] {{-2, -3}}),
                mat(manager, new double[][] {{0, 1}}),
                mat(manager, new double[][] {{1, 1}}));
        double s = sigmoid(1); // p_f = (s, 1−s), p_r = (1−s, s)
        double exo = s * Math.log(s / (1 - s)) + (1 - s) * Math.log((1 - s) / s); // = (2s−1)·1
        double ce = -((1 - s) * Math.log(s) + s * Math.log(1 - s));
        try (var r = Objectives.create("exo-rw", params).compute(ObjectiveInput.labeled(groups));
                var d = Objectives.create("dpo-rw", params).compute(ObjectiveInput.labeled(groups))) {
            assertEquals(2 * s - 1, exo, 1e-12);
            assertEquals(exo, r.lossValue(), 1e-12);
            assertEquals(ce, d.lossValue(), 1e-12);
            assertEquals(0.5, r.metric(GroupObjective.REWARD_MEAN), 1e-12);
            assertEquals(1 - s, r.metric(GroupObjective.POLICY_REWARD), 1e-12);
            assertEquals(0.5, r.metric(ObjectiveResult.KL), 1e-12); // mean of (1, 0)
        }
    }

    @Test
    void groupLossesAndGradientsMatchReferenceWithMaskAndBehaviour() {
        var rng = new Random(3);
        int g = 3;
        int k = 4;
        double[][] pol = new double[g][k];
        double[][] ref = new double[g][k];
        double[][] q = new double[g][k];
        double[][] r = new double[g][k];
        double[][] mask = ones(g, k);
        mask[1][3] = 0;
        mask[2][0] = 0;
        mask[2][2] = 0;
        for (int i = 0; i < g; i++) {
            for (int j = 0; j < k; j++) {
                pol[i][j] = -20 + 10 * rng.nextDouble();
                ref[i][j] = pol[i][j] + rng.nextGaussian();
                q[i][j] = pol[i][j] + 0.5 * rng.nextGaussian();
                r[i][j] = rng.nextGaussian();
            }
        }
        var params = ObjectiveParams.builder().betaPi(0.5).betaR(0.2).build();
        for (String name : new String[] {"exo-rw", "dpo-rw"}) {
            boolean forward = name.equals("dpo-rw");
            for (boolean withBehaviour : new boolean[] {false, true}) {
                NDArray policy = leaf(manager, pol);
                double value;
                double[] grad;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    var groups = new GroupTensors(
                            policy,
                            mat(manager, ref),
                            withBehaviour ? Optional.of(mat(manager, q)) : Optional.empty(),
                            Optional.of(mat(manager, r)),
                            mat(manager, ones(g, k)),
                            Optional.of(mat(manager, mask)));
                    try (var res = Objectives.create(name, params).compute(ObjectiveInput.labeled(groups))) {
                        value = res.lossValue();
                        gc.backward(res.loss());
                    }
                    grad = policy.getGradient().toDoubleArray();
                }
                double[][] qq = withBehaviour ? q : null;
                String what = name + " behaviour=" + withBehaviour;
                assertEquals(groupReference(pol, ref, qq, r, mask, 0.5, 0.2, forward), value, 1e-12, what);
                double h = 1e-6;
                for (int i = 0; i < g; i++) {
                    for (int j = 0; j < k; j++) {
                        double keep = pol[i][j];
                        pol[i][j] = keep + h;
                        double up = groupReference(pol, ref, qq, r, mask, 0.5, 0.2, forward);
                        pol[i][j] = keep - h;
                        double down = groupReference(pol, ref, qq, r, mask, 0.5, 0.2, forward);
                        pol[i][j] = keep;
                        assertEquals((up - down) / (2 * h), grad[i * k + j], 1e-8, what + " [" + i + "," + j + "]");
                    }
                }
            }
        }
    }

    @Test
    void gradientsVanishAtTheOptimalPolicy() {
        // π = π* ∝ π_ref·exp(r/β_r) with β_π = 1: log π − log π_ref = r/β_r + const per group
        var params = ObjectiveParams.builder().betaPi(1).betaR(0.25).build();
        double[][] ref = {{-3, -4, -5, -2.5, -7}, {-10, -12, -11, -9, -13}};
        double[][] r = {{0.1, 0.9, -0.4, 0.3, 0.0}, {1.5, -2, 0.2, 0.7, 0.1}};
        double[] shift = {-0.7, 2.3};
        double[][] pol = new double[2][5];
        for (int g = 0; g < 2; g++) {
            for (int k = 0; k < 5; k++) {
                pol[g][k] = ref[g][k] + r[g][k] / 0.25 + shift[g];
            }
        }
        for (String name : new String[] {"exo-rw", "dpo-rw"}) {
            NDArray policy = leaf(manager, pol);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                var groups = GroupTensors.labeled(policy, mat(manager, ref), mat(manager, r), mat(manager, ones(2, 5)));
                try (var res = Objectives.create(name, params).compute(ObjectiveInput.labeled(groups))) {
                    gc.backward(res.loss());
                    if (name.equals("exo-rw")) {
                        assertEquals(0.0, res.lossValue(), 1e-12);
                    }
                }
                for (double v : policy.getGradient().toDoubleArray()) {
                    assertEquals(0.0, v, 1e-12, name);
                }
            }
        }
    }

    /**
     * EXO digest §5: for groups sampled from q ≠ π_sft the corrected proposal recovers
     * ∇KL(π_θ^{β_π} ‖ π*) (exo-rw) and ∇KL(π* ‖ π_θ^{β_π}) (dpo-rw); the uncorrected formula does not.
     * Toy: 60 points, π_sft = N(30, 15²), r = bumps at 15 and 45, q = N(20, 8²), θ = (22, log 6),
     * β_π = 0.5, β_r = 0.2.
     */
    @Test
    void correctedProposalRecoversTheExactGradientForOnlineGroups() {
        int n = 60;
        double betaPi = 0.5;
        double betaR = 0.2;
        double[] sft = DiscreteGaussianPolicy.logProbs(30, Math.log(15), n);
        double[] q = DiscreteGaussianPolicy.logProbs(20, Math.log(8), n);
        double[] reward = ToyRewards.twoBumps(n);
        double[] exact = exactKlGradient(22, Math.log(6), sft, reward, betaPi, betaR, false);
        double[] exactForward = exactKlGradient(22, Math.log(6), sft, reward, betaPi, betaR, true);
        var params = ObjectiveParams.builder().betaPi(betaPi).betaR(betaR).build();
        double[] corrected = estimate("exo-rw", params, sft, q, reward, true);
        double[] naive = estimate("exo-rw", params, sft, q, reward, false);
        double[] correctedForward = estimate("dpo-rw", params, sft, q, reward, true);
        for (int i = 0; i < 2; i++) {
            org.slf4j.LoggerFactory.getLogger(ExoObjectivesTest.class)
                    .info(
                            "component {}: exact {} corrected {} naive {}; forward exact {} corrected {}",
                            i,
                            exact[i],
                            corrected[i],
                            naive[i],
                            exactForward[i],
                            correctedForward[i]);
            assertEquals(
                    exact[i],
                    corrected[i],
                    0.05 * Math.max(0.2, Math.abs(exact[i])),
                    "exo-rw corrected, component " + i);
            assertEquals(
                    exactForward[i],
                    correctedForward[i],
                    0.05 * Math.max(0.2, Math.abs(exactForward[i])),
                    "dpo-rw corrected, component " + i);
        }
        assertTrue(
                Math.abs(naive[1] - exact[1]) > 0.15,
                "the uncorrected estimator is biased: " + naive[1] + " vs " + exact[1]);
    }

    private double[] estimate(
            String name, ObjectiveParams params, double[] sft, double[] q, double[] reward, boolean withBehaviour) {
        int groups = 4;
        int k = 16384;
        var rng = new Random(17);
        double[] cdf = DiscreteGaussianPolicy.cdf(q);
        long[] idx = new long[groups * k];
        double[] refV = new double[groups * k];
        double[] qV = new double[groups * k];
        double[] rV = new double[groups * k];
        for (int i = 0; i < idx.length; i++) {
            int y = DiscreteGaussianPolicy.sample(cdf, rng);
            idx[i] = y;
            refV[i] = sft[y];
            qV[i] = q[y];
            rV[i] = reward[y];
        }
        Shape shape = new Shape(groups, k);
        try (NDManager sub = manager.newSubManager()) {
            NDArray theta = sub.create(new double[] {22, Math.log(6)});
            theta.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray logp = DiscreteGaussianPolicy.logProbs(theta, DiscreteGaussianPolicy.support(sub, 60));
                NDArray policy = logp.take(sub.create(idx, shape)); // (G, K)
                var tensors = new GroupTensors(
                        policy,
                        sub.create(refV, shape),
                        withBehaviour ? Optional.of(sub.create(qV, shape)) : Optional.empty(),
                        Optional.of(sub.create(rV, shape)),
                        sub.ones(shape, DataType.FLOAT64),
                        Optional.empty());
                try (var res = Objectives.create(name, params).compute(ObjectiveInput.labeled(tensors))) {
                    gc.backward(res.loss());
                }
                return theta.getGradient().toDoubleArray();
            }
        }
    }

    /** ∇_θ of KL(π̃ ‖ π*) (or KL(π* ‖ π̃)) by central differences of the exact sums. */
    static double[] exactKlGradient(
            double mu, double logSigma, double[] sft, double[] reward, double betaPi, double betaR, boolean forward) {
        double h = 1e-5;
        double[] g = new double[2];
        for (int i = 0; i < 2; i++) {
            double du = i == 0 ? h : 0;
            double ds = i == 1 ? h : 0;
            g[i] = (exactKl(mu + du, logSigma + ds, sft, reward, betaPi, betaR, forward)
                            - exactKl(mu - du, logSigma - ds, sft, reward, betaPi, betaR, forward))
                    / (2 * h);
        }
        return g;
    }

    static double exactKl(
            double mu, double logSigma, double[] sft, double[] reward, double betaPi, double betaR, boolean forward) {
        int n = sft.length;
        double[] pol = DiscreteGaussianPolicy.logProbs(mu, logSigma, n);
        double[] mix = new double[n];
        double[] star = new double[n];
        for (int y = 0; y < n; y++) {
            mix[y] = betaPi * pol[y] + (1 - betaPi) * sft[y];
            star[y] = sft[y] + reward[y] / betaR;
        }
        double[] a = logSoftmax(mix);
        double[] b = logSoftmax(star);
        double kl = 0;
        for (int y = 0; y < n; y++) {
            kl += forward ? Math.exp(b[y]) * (b[y] - a[y]) : Math.exp(a[y]) * (a[y] - b[y]);
        }
        return kl;
    }
}
