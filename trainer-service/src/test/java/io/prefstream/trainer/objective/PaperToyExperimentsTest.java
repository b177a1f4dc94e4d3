package io.prefstream.trainer.objective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The papers' toy experiments, run through the production objectives on tiny parametric policies
 * with DJL autograd (setups from the digests in shared/papers).
 */
class PaperToyExperimentsTest {

    private static final Logger LOG = LoggerFactory.getLogger(PaperToyExperimentsTest.class);
    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    // ---- 1. EXO digest §4.2: mode-seeking EXO-rw vs mean-seeking DPO-rw ------------------------

    /**
     * Y = {0..59}, π_sft = N(30, 15²), r = bumps at 15 (1.0) and 45 (0.8), β_π = 1, β_r = 0.1,
     * unimodal policy θ = (μ, log σ) from π_sft; 300 Adam steps (lr 0.1) on 32 groups of K = 8 samples
     * of π_sft. EXO-rw must settle on the major mode, DPO-rw must spread over the valley.
     */
    @Test
    void exoSeeksTheMajorModeWhileDpoRwSpreads() {
        double[] exo = trainGaussian("exo-rw", 1);
        double[] dpo = trainGaussian("dpo-rw", 1);
        LOG.info(
                "EXO toy: exo-rw mu={} sigma={} E[r]={} valley={}; dpo-rw mu={} sigma={} E[r]={} valley={}",
                exo[0],
                exo[1],
                exo[2],
                exo[3],
                dpo[0],
                dpo[1],
                dpo[2],
                dpo[3]);
        assertEquals(15.3, exo[0], 1.5, "EXO mean on the major mode");
        assertTrue(exo[1] < 4, "EXO narrow: sigma " + exo[1]);
        assertTrue(exo[2] > 0.85, "EXO expected reward " + exo[2]);
        assertTrue(exo[3] < 0.02, "EXO valley mass " + exo[3]);
        assertTrue(dpo[1] > 10, "DPO-rw broad: sigma " + dpo[1]);
        assertTrue(dpo[2] < 0.6, "DPO-rw expected reward " + dpo[2]);
        assertTrue(dpo[3] > 0.25, "DPO-rw valley mass " + dpo[3]);
    }

    /** Returns {μ, σ, E_π[r], π(valley 22..38)} after training. */
    private double[] trainGaussian(String name, long seed) {
        int n = 60;
        int groups = 32;
        int k = 8;
        double[] sft = DiscreteGaussianPolicy.logProbs(30, Math.log(15), n);
        double[] reward = ToyRewards.twoBumps(n);
        double[] cdf = DiscreteGaussianPolicy.cdf(sft);
        var params = ObjectiveParams.builder().betaPi(1).betaR(0.1).build();
        var objective = Objectives.create(name, params);
        var rng = new Random(seed);
        double[] theta = {30, Math.log(15)};
        var adam = new Adam(2, 0.1);
        Shape shape = new Shape(groups, k);
        for (int step = 0; step < 300; step++) {
            long[] idx = new long[groups * k];
            double[] ref = new double[idx.length];
            double[] r = new double[idx.length];
            for (int i = 0; i < idx.length; i++) {
                int y = DiscreteGaussianPolicy.sample(cdf, rng);
                idx[i] = y;
                ref[i] = sft[y];
                r[i] = reward[y];
            }
            try (NDManager stepManager = manager.newSubManager()) {
                NDArray th = stepManager.create(theta);
                th.setRequiresGradient(true);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray logp = DiscreteGaussianPolicy.logProbs(th, DiscreteGaussianPolicy.support(stepManager, n));
                    NDArray policy = logp.take(stepManager.create(idx, shape)); // (G, K)
                    var tensors = GroupTensors.labeled(
                            policy,
                            stepManager.create(ref, shape),
                            stepManager.create(r, shape),
                            stepManager.ones(shape, DataType.FLOAT64));
                    try (var result = objective.compute(ObjectiveInput.labeled(tensors))) {
                        gc.backward(result.loss());
                    }
                    adam.step(theta, th.getGradient().toDoubleArray());
                }
            }
        }
        double[] lp = DiscreteGaussianPolicy.logProbs(theta[0], theta[1], n);
        double expected = 0;
        double valley = 0;
        for (int y = 0; y < n; y++) {
            expected += Math.exp(lp[y]) * reward[y];
            valley += y >= 22 && y <= 38 ? Math.exp(lp[y]) : 0;
        }
        return new double[] {theta[0], Math.exp(theta[1]), expected, valley};
    }

    // ---- 2. AIS digest §4: the IS-weighted squared loss tracks reverse KL ------------------------

    /**
     * μ = π_ref = 0.3·N(−0.8, 0.2²) + 0.4·N(0, 0.2²) + 0.3·N(0.8, 0.2²), π_θ = N(θ, 0.1²), θ on 41
     * points of [−1, 1], 2000 pairs from μ. ais-ipo with α = 1 (full IS) and ipo (α = 0) with β large,
     * i.e. E_μ[w·Δ²] vs E_μ[Δ²]: only the weighted one must rank θ like KL(π_θ ‖ π_ref).
     */
    @Test
    void importanceWeightedSquaredLossTracksReverseKl() {
        int pairs = 2000;
        var rng = new Random(0);
        double[] yw = new double[pairs];
        double[] yl = new double[pairs];
        for (int i = 0; i < pairs; i++) {
            yw[i] = sampleMixture(rng);
            yl[i] = sampleMixture(rng);
        }
        var params =
                ObjectiveParams.builder().beta(1e6).alpha(AisAlpha.fixed(1)).build();
        var weighted = Objectives.create("ais-ipo", params);
        var plain = Objectives.create("ipo", params);
        int points = 41;
        double[] kl = new double[points];
        double[] isLoss = new double[points];
        double[] plainLoss = new double[points];
        double[] ones = Fixtures.ones(pairs, 1);
        for (int t = 0; t < points; t++) {
            double theta = -1 + 2.0 * t / (points - 1);
            kl[t] = reverseKl(theta);
            double[] pw = new double[pairs];
            double[] pl = new double[pairs];
            double[] rw = new double[pairs];
            double[] rl = new double[pairs];
            for (int i = 0; i < pairs; i++) {
                pw[i] = logNormal(yw[i], theta, 0.1);
                pl[i] = logNormal(yl[i], theta, 0.1);
                rw[i] = logMixture(yw[i]);
                rl[i] = logMixture(yl[i]);
            }
            try (NDManager sub = manager.newSubManager()) {
                var input = ObjectiveInput.offline(PairTensors.of(
                        sub.create(pw),
                        sub.create(pl),
                        sub.create(rw),
                        sub.create(rl),
                        sub.create(ones),
                        sub.create(ones)));
                try (var a = weighted.compute(input);
                        var b = plain.compute(input)) {
                    isLoss[t] = a.lossValue();
                    plainLoss[t] = b.lossValue();
                }
            }
        }
        double spearmanIs = spearman(isLoss, kl);
        double spearmanPlain = spearman(plainLoss, kl);
        double pearsonIs = pearson(log(isLoss), log(kl));
        double pearsonPlain = pearson(log(plainLoss), log(kl));
        LOG.info(
                "AIS toy: Spearman(loss, KL) weighted={} unweighted={}; Pearson(log) weighted={} " + "unweighted={}",
                spearmanIs,
                spearmanPlain,
                pearsonIs,
                pearsonPlain);
        assertTrue(spearmanIs > 0.8, "weighted loss ranks θ like KL: " + spearmanIs);
        assertTrue(spearmanPlain < 0.4, "unweighted loss does not: " + spearmanPlain);
        assertTrue(pearsonIs > 0.75 && pearsonPlain < 0.4, pearsonIs + " vs " + pearsonPlain);
    }

    private static final double[] MIX_WEIGHTS = {0.3, 0.4, 0.3};
    private static final double[] MIX_MEANS = {-0.8, 0.0, 0.8};

    private static double sampleMixture(Random rng) {
        double u = rng.nextDouble();
        int c = u < 0.3 ? 0 : u < 0.7 ? 1 : 2;
        return MIX_MEANS[c] + 0.2 * rng.nextGaussian();
    }

    private static double logNormal(double y, double mean, double sd) {
        return -(y - mean) * (y - mean) / (2 * sd * sd) - Math.log(sd * Math.sqrt(2 * Math.PI));
    }

    private static double logMixture(double y) {
        double p = 0;
        for (int c = 0; c < 3; c++) {
            p += MIX_WEIGHTS[c] * Math.exp(logNormal(y, MIX_MEANS[c], 0.2));
        }
        return Math.log(p);
    }

    /** KL(N(θ, 0.1²) ‖ μ) by quadrature on [θ − 1, θ + 1]. */
    private static double reverseKl(double theta) {
        int steps = 8000;
        double dx = 2.0 / steps;
        double kl = 0;
        for (int i = 0; i <= steps; i++) {
            double y = theta - 1 + i * dx;
            double lp = logNormal(y, theta, 0.1);
            kl += Math.exp(lp) * (lp - logMixture(y)) * dx;
        }
        return kl;
    }

    // ---- 3. HyPO digest §4.4: partial coverage, DPO's KL grows, HyPO's stays bounded -------------

    /**
     * |Y| = 100, π_ref logits 0 on 50 covered arms and −3 on the rest, π_θ ∝ π_ref·exp(Φθ) with random
     * full-rank Φ (100×100), 200 Bradley–Terry pairs among covered arms (r* ~ U(−1, 1)), β = 0.1,
     * 600 full-batch Adam steps (lr 0.01). HyPO adds λ = 0.1 with 16 on-policy groups of k = 2.
     */
    @Test
    void hypoKeepsReverseKlBoundedWhereDpoDrifts() {
        double[] dpo = trainBandit(false);
        double[] hypo = trainBandit(true);
        LOG.info(
                "HyPO toy: exact KL(π‖π_ref) every 100 steps: dpo={} hypo={}",
                Arrays.toString(dpo),
                Arrays.toString(hypo));
        double dpoMid = dpo[2];
        double dpoEnd = dpo[5];
        assertTrue(dpoEnd > 1.5, "DPO drifts far from π_ref: " + dpoEnd);
        assertTrue(dpoEnd > dpoMid + 0.1, "DPO's KL still grows: " + dpoMid + " → " + dpoEnd);
        double hypoMax = Arrays.stream(hypo).max().orElseThrow();
        assertTrue(hypoMax < 0.4, "HyPO's KL stays bounded: max " + hypoMax);
        assertTrue(hypo[5] < dpoEnd / 5, "HyPO " + hypo[5] + " vs DPO " + dpoEnd);
    }

    /** Returns the exact reverse KL after every 100 of 600 steps. */
    private double[] trainBandit(boolean hypo) {
        int arms = 100;
        var rng = new Random(7);
        double[] refLogits = new double[arms];
        for (int y = 50; y < arms; y++) {
            refLogits[y] = -3;
        }
        double[] logRef = Fixtures.logSoftmax(refLogits);
        double[] phi = new double[arms * arms];
        for (int i = 0; i < phi.length; i++) {
            phi[i] = rng.nextGaussian() / Math.sqrt(arms);
        }
        double[] reward = new double[arms];
        for (int y = 0; y < arms; y++) {
            reward[y] = -1 + 2 * rng.nextDouble();
        }
        int pairs = 200;
        long[] chosen = new long[pairs];
        long[] rejected = new long[pairs];
        for (int i = 0; i < pairs; i++) {
            int a = rng.nextInt(50);
            int b = (a + 1 + rng.nextInt(49)) % 50;
            boolean aWins = rng.nextDouble() < Fixtures.sigmoid(reward[a] - reward[b]);
            chosen[i] = aWins ? a : b;
            rejected[i] = aWins ? b : a;
        }
        double[] refChosen = new double[pairs];
        double[] refRejected = new double[pairs];
        for (int i = 0; i < pairs; i++) {
            refChosen[i] = logRef[(int) chosen[i]];
            refRejected[i] = logRef[(int) rejected[i]];
        }
        var params = ObjectiveParams.builder().beta(0.1).lambda(0.1).build();
        var objective = Objectives.create(hypo ? "hypo" : "dpo", params);
        double[] theta = new double[arms];
        var adam = new Adam(arms, 0.01);
        var sampler = new Random(11);
        int groups = 16;
        double[] kls = new double[6];
        double[] logPi = logRef.clone();
        for (int step = 1; step <= 600; step++) {
            try (NDManager sub = manager.newSubManager()) {
                NDArray th = sub.create(theta);
                th.setRequiresGradient(true);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray features = sub.create(phi, new Shape(arms, arms));
                    NDArray logp =
                            sub.create(refLogits).add(features.matMul(th)).logSoftmax(0); // (Y)
                    logPi = logp.toDoubleArray();
                    var pairTensors = PairTensors.of(
                            logp.take(sub.create(chosen)),
                            logp.take(sub.create(rejected)),
                            sub.create(refChosen),
                            sub.create(refRejected),
                            sub.ones(new Shape(pairs), DataType.FLOAT64),
                            sub.ones(new Shape(pairs), DataType.FLOAT64));
                    var input = ObjectiveInput.builder().offlinePairs(pairTensors);
                    if (hypo) {
                        double[] cdf = DiscreteGaussianPolicy.cdf(logPi);
                        long[] idx = new long[groups * 2];
                        double[] ref = new double[idx.length];
                        for (int i = 0; i < idx.length; i++) {
                            idx[i] = DiscreteGaussianPolicy.sample(cdf, sampler); // y ~ π_θ (on-policy)
                            ref[i] = logRef[(int) idx[i]];
                        }
                        Shape shape = new Shape(groups, 2);
                        input.unlabeledGroups(GroupTensors.unlabeled(
                                logp.take(sub.create(idx, shape)),
                                sub.create(ref, shape),
                                sub.ones(shape, DataType.FLOAT64)));
                    }
                    try (var result = objective.compute(input.build())) {
                        gc.backward(result.loss());
                    }
                    adam.step(theta, th.getGradient().toDoubleArray());
                }
            }
            if (step % 100 == 0) {
                kls[step / 100 - 1] = exactKl(theta, refLogits, phi, logRef);
            }
        }
        return kls;
    }

    private static double exactKl(double[] theta, double[] refLogits, double[] phi, double[] logRef) {
        int arms = refLogits.length;
        double[] logits = new double[arms];
        for (int y = 0; y < arms; y++) {
            double z = refLogits[y];
            for (int j = 0; j < arms; j++) {
                z += phi[y * arms + j] * theta[j];
            }
            logits[y] = z;
        }
        double[] lp = Fixtures.logSoftmax(logits);
        double kl = 0;
        for (int y = 0; y < arms; y++) {
            kl += Math.exp(lp[y]) * (lp[y] - logRef[y]);
        }
        return kl;
    }

    // ---- statistics ----------------------------------------------------------------------------

    private static double[] log(double[] a) {
        return Arrays.stream(a).map(Math::log).toArray();
    }

    static double pearson(double[] a, double[] b) {
        double ma = Arrays.stream(a).average().orElseThrow();
        double mb = Arrays.stream(b).average().orElseThrow();
        double cov = 0;
        double va = 0;
        double vb = 0;
        for (int i = 0; i < a.length; i++) {
            cov += (a[i] - ma) * (b[i] - mb);
            va += (a[i] - ma) * (a[i] - ma);
            vb += (b[i] - mb) * (b[i] - mb);
        }
        return cov / Math.sqrt(va * vb);
    }

    static double spearman(double[] a, double[] b) {
        return pearson(ranks(a), ranks(b));
    }

    private static double[] ranks(double[] a) {
        Integer[] order = new Integer[a.length];
        for (int i = 0; i < a.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Double.compare(a[x], a[y]));
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[order[i]] = i;
        }
        return r;
    }
}
