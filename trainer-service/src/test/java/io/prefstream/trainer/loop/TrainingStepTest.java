package io.prefstream.trainer.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prefstream.model.DeviceSetting;
import io.prefstream.model.LmConfig;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.tokenizer.CharTokenizer;
import io.prefstream.model.train.AdamW;
import io.prefstream.model.train.AdamWOptions;
import io.prefstream.schemas.LabelKind;
import io.prefstream.schemas.PreferencePair;
import io.prefstream.schemas.TrainingBatch;
import io.prefstream.trainer.TestRecords;
import io.prefstream.trainer.TestRecords.Sample;
import io.prefstream.trainer.TrainerTestSupport;
import io.prefstream.trainer.objective.ObjectiveParams;
import io.prefstream.trainer.objective.Objectives;
import io.prefstream.trainer.objective.PairSelector;
import io.prefstream.trainer.objective.PreferenceObjective;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TrainingStepTest {

    private static final CharTokenizer TK = new CharTokenizer("0123456789+=");

    private CausalLm policy;
    private CausalLm reference;
    private AdamW optimizer;

    @BeforeEach
    void models() {
        policy = CausalLm.create(LmConfig.tiny(TK.vocabSize()), TK, DeviceSetting.AUTO.resolve(), 7);
        reference = policy.frozenCopy();
        policy.setTrainable(true);
        optimizer = new AdamW(policy.parameters(), AdamWOptions.defaults().withWeightDecay(0));
    }

    @AfterEach
    void close() {
        optimizer.close();
        policy.close();
        reference.close();
    }

    private TrainingStep step(String objectiveName) {
        PreferenceObjective objective = Objectives.create(objectiveName, ObjectiveParams.defaults());
        var options = new ScoringPlan.Options(
                TK,
                policy.config().maxSeqLen(),
                BatchRouting.of(objective),
                PairSelector.of(ObjectiveParams.defaults()),
                List.of(LabelKind.RULE),
                1.0,
                true);
        return new TrainingStep(policy, new ReferenceScorer(reference, 1000), optimizer, objective, options);
    }

    private static List<PreferencePair> arithmeticPairs(int n, long seed) {
        var rng = new SplittableRandom(seed);
        var out = new ArrayList<PreferencePair>();
        for (int i = 0; i < n; i++) {
            int a = rng.nextInt(50);
            int b = rng.nextInt(50);
            String sum = Integer.toString(a + b);
            String wrong = Integer.toString(a + b + 1 + rng.nextInt(9));
            out.add(TestRecords.pair("p" + i, a + "+" + b + "=", sum, wrong));
        }
        return out;
    }

    private static TrainingBatch batch(long sequence, List<PreferencePair> pairs) {
        return TrainingBatch.newBuilder()
                .setBatchId("b" + sequence)
                .setSequence(sequence)
                .setOfflinePairs(pairs)
                .setOnlineLabeled(List.of())
                .setOnlineUnlabeled(List.of())
                .setCreatedAtMs(0L)
                .build();
    }

    private double implicitRewardAccuracy(List<PreferencePair> pairs) {
        return TrainerTestSupport.implicitRewardAccuracy(policy, reference, pairs);
    }

    @Test
    void offlineDpoLearnsToPreferTheChosenResponses() {
        List<PreferencePair> data = arithmeticPairs(32, 1);
        assertEquals(0.0, implicitRewardAccuracy(data), "π = π_ref: every margin is 0");
        var step = step("dpo");
        var rng = new SplittableRandom(3);
        double firstLoss = Double.NaN;
        double lastLoss = Double.NaN;
        for (int s = 0; s < 40; s++) {
            var picked = new ArrayList<PreferencePair>();
            for (int i = 0; i < 8; i++) {
                picked.add(data.get(rng.nextInt(data.size())));
            }
            var outcome = step.run(batch(s, picked), 1e-2);
            if (s == 0) {
                firstLoss = outcome.metrics().get("loss");
                assertEquals(Math.log(2), firstLoss, 1e-5, "DPO loss at π = π_ref is log 2");
                assertEquals(8.0, outcome.metrics().get("offline_pairs"));
            }
            lastLoss = outcome.metrics().get("loss");
        }
        double accuracy = implicitRewardAccuracy(data);
        assertTrue(accuracy >= 0.9, "implicit-reward accuracy on the training pairs: " + accuracy);
        assertTrue(lastLoss < firstLoss - 0.1, "loss " + firstLoss + " -> " + lastLoss);
    }

    @Test
    void aBatchWithAnInfiniteLossLeavesWeightsAndOptimizerUntouched() {
        var step = step("dpo");
        step.run(batch(0, arithmeticPairs(4, 2)), 1e-3); // a real step first, so moments are non-zero
        float[] before = policy.parameters().get("head.w").toFloatArray();
        long optimizerStep = optimizer.stepCount();
        // finite cached π_ref log-probs whose difference overflows float32: Δ = −inf
        var poisoned = PreferencePair.newBuilder(TestRecords.pair("bad", "1+2=", "3", "4"))
                .setChosenRefLogprob(3e38)
                .setRejectedRefLogprob(-3e38)
                .build();
        var e = assertThrows(BatchRejectedException.class, () -> step.run(batch(1, List.of(poisoned)), 1e-3));
        assertEquals(BatchRejectedException.NON_FINITE_LOSS, e.reason());
        assertArrayEquals(before, policy.parameters().get("head.w").toFloatArray());
        assertEquals(optimizerStep, optimizer.stepCount());
        // and training goes on
        step.run(batch(2, arithmeticPairs(4, 3)), 1e-3);
        assertEquals(optimizerStep + 1, optimizer.stepCount());
    }

    @Test
    void badTokensAndEmptyBatchesAreRejectedWithTheReason() {
        var step = step("dpo");
        var badChar = TestRecords.pair("x", "1+2=", "3a", "4");
        var e = assertThrows(BatchRejectedException.class, () -> step.run(batch(0, List.of(badChar)), 1e-3));
        assertEquals(BatchRejectedException.INVALID, e.reason());
        assertTrue(e.getMessage().contains("offline pair x chosen"), e.getMessage());

        var e2 = assertThrows(BatchRejectedException.class, () -> step.run(batch(1, List.of()), 1e-3));
        assertEquals(BatchRejectedException.INVALID, e2.reason());
        assertTrue(e2.getMessage().contains("holds no items"), e2.getMessage());
    }

    /** A labeled rollout of {@code k} completions that all score {@code reward}: no preference signal. */
    private static io.prefstream.schemas.LabeledRollout tiedRollout(String id, int k, double reward) {
        var samples = new ArrayList<Sample>();
        var rewards = new double[k];
        for (int i = 0; i < k; i++) {
            samples.add(s(Integer.toString(i)));
            rewards[i] = reward;
        }
        return TestRecords.labeled(TestRecords.rollout(id, "1+" + k + "=", 0, 1.0, samples), rewards);
    }

    @Test
    void anOnlineDpoBatchWhoseGroupsAllTieTrainsOnItsOfflinePairs() {
        // move π away from π_ref, so the loss is not log 2 whatever the pairs
        var warmUp = step("dpo");
        warmUp.run(batch(0, arithmeticPairs(8, 11)), 1e-2);
        warmUp.run(batch(1, arithmeticPairs(8, 12)), 1e-2);

        List<PreferencePair> offline = arithmeticPairs(8, 5);
        float[] before = policy.parameters().get("head.w").toFloatArray();
        // the DPO loss of the 8 offline pairs alone, at the current weights (lr 0: nothing moves)
        double alone = step("dpo").run(batch(2, offline), 0.0).metrics().get("loss");
        assertArrayEquals(before, policy.parameters().get("head.w").toFloatArray());
        assertTrue(Math.abs(alone - Math.log(2)) > 1e-3, "π ≠ π_ref: " + alone);

        var mixed = TrainingBatch.newBuilder(batch(3, offline))
                .setOnlineLabeled(
                        List.of(tiedRollout("t1", 2, 1.0), tiedRollout("t2", 3, 0.0), tiedRollout("t3", 4, 0.5)))
                .build();
        long optimizerStep = optimizer.stepCount();
        var outcome = step("online-dpo").run(mixed, 1e-3);

        assertTrue(outcome.trained(), "the offline pairs are usable");
        var m = outcome.metrics();
        assertEquals(alone, m.get("loss"), 1e-6, "the mean over the 8 offline pairs, the only pairs there are");
        assertEquals(8.0, m.get("offline_pairs"));
        assertEquals(0.0, m.get("online_pairs"));
        assertEquals(8.0, m.get("pairs"));
        assertEquals(3.0, m.get("groups_without_pair"), "the three tied groups, counted");
        assertEquals(3.0, m.get("dropped_pair_reward_tie"));
        assertEquals(3.0, m.get("online_rollouts"));
        assertEquals(2.0 + 3 + 4, m.get("online_labels"), "their labels were paid for");
        assertEquals(11, outcome.items(), "8 pairs + 3 rollouts");
        assertEquals(optimizerStep + 1, optimizer.stepCount());
        float[] after = policy.parameters().get("head.w").toFloatArray();
        assertFalse(java.util.Arrays.equals(before, after), "the weights changed");
    }

    @Test
    void aBatchWhoseItemsAllYieldNothingIsSkippedWithItsCountsAndTouchesNothing() {
        var step = step("online-dpo");
        step.run(
                TrainingBatch.newBuilder(batch(0, arithmeticPairs(4, 2)))
                        .setOnlineLabeled(List.of(TestRecords.labeled(
                                TestRecords.rollout("r", "1+2=", 0, 1.0, List.of(s("3"), s("4"))), 1.0, 0.0)))
                        .build(),
                1e-3); // a real step first, so moments are non-zero
        float[] before = policy.parameters().get("head.w").toFloatArray();
        long optimizerStep = optimizer.stepCount();

        var onlyTies = TrainingBatch.newBuilder(batch(1, List.of()))
                .setOnlineLabeled(List.of(tiedRollout("t1", 2, 1.0), tiedRollout("t2", 3, 1.0)))
                .build();
        var outcome = step.run(onlyTies, 1e-3);

        assertFalse(outcome.trained(), "no pair: nothing to train on, but nothing invalid either");
        assertEquals(2, outcome.items());
        var m = outcome.metrics();
        assertEquals(2.0, m.get("groups_without_pair"));
        assertEquals(2.0, m.get("dropped_pair_reward_tie"));
        assertEquals(2.0, m.get("dropped"));
        assertEquals(0.0, m.get("online_pairs"));
        assertEquals(5.0, m.get("online_labels"));
        assertFalse(m.containsKey("loss"));
        assertArrayEquals(before, policy.parameters().get("head.w").toFloatArray());
        assertEquals(optimizerStep, optimizer.stepCount());
    }

    @Test
    void onlineDpoUsesTheRewardsToPickBestVersusWorst() {
        var step = step("online-dpo");
        var rollout = TestRecords.rollout(
                "r",
                "1+2=",
                0,
                1.0,
                List.of(
                        new Sample("4", new int[] {4, TK.eos()}, -2.0, true),
                        new Sample("3", new int[] {3, TK.eos()}, -1.5, true),
                        new Sample("33", new int[] {3, 3, TK.eos()}, -3.0, true)));
        var b = TrainingBatch.newBuilder(batch(0, List.of()))
                .setOnlineLabeled(List.of(TestRecords.labeled(rollout, 0.0, 1.0, -0.2)))
                .build();
        var outcome = step.run(b, 1e-3);
        assertEquals(1.0, outcome.metrics().get("online_pairs"));
        assertEquals(3.0, outcome.metrics().get("sequences"));
        assertEquals(Math.log(2), outcome.metrics().get("loss"), 1e-5);
        assertTrue(outcome.metrics().containsKey("kl"), "online samples give a KL estimate");
        assertEquals(1.0, outcome.metrics().get("online_rollouts"));
        assertEquals(3.0, outcome.metrics().get("online_labels"), "one reward per completion");
        assertEquals((0.0 + 1.0 - 0.2) / 3, outcome.metrics().get("label_reward_mean"), 1e-12);
    }

    /** A completion that ended with EOS. */
    private static Sample s(String text) {
        return new Sample(text, TK.encodeResponse(text), -1.0 - text.length(), true);
    }

    @Test
    void hypoTrainsOnOfflinePairsAndPaddedUnlabeledGroups() {
        var step = step("hypo");
        var pairs = List.of(TestRecords.pair("a", "1+2=", "3", "4"), TestRecords.pair("b", "2+2=", "4", "5"));
        var groups = List.of(
                TestRecords.rollout("g1", "3+4=", 0, 1.0, List.of(s("7"), s("8"), s("71"))),
                TestRecords.rollout("g2", "5+5=", 0, 1.0, List.of(s("10"), s("11"))));
        var b = TrainingBatch.newBuilder(batch(0, pairs))
                .setOnlineUnlabeled(groups)
                .build();
        var m = step.run(b, 1e-3).metrics();
        assertEquals(2.0, m.get("offline_pairs"));
        assertEquals(2.0, m.get("groups"));
        assertEquals(9.0, m.get("sequences"), "4 offline responses + 3 + 2 completions");
        // π = π_ref: the DPO part is log 2 and the KL estimate and its penalty are 0
        assertEquals(Math.log(2), m.get("loss"), 1e-5);
        assertEquals(0.0, m.get("kl"), 1e-6);
        assertEquals(2.0, m.get("online_rollouts"));
        assertEquals(0.0, m.get("online_labels"), "unlabeled groups cost no labels");
        assertFalse(m.containsKey("label_reward_mean"));
    }

    @Test
    void rewardWeightedObjectivesTakeLabeledRolloutsAsGroupsAndCountThoseWithoutRewards() {
        var step = step("exo-rw");
        var scored = TestRecords.labeled(
                TestRecords.rollout("r1", "1+2=", 0, 1.0, List.of(s("3"), s("4"), s("33"))), 1.0, 0.25, -0.1);
        var unscored = io.prefstream.schemas.LabeledRollout.newBuilder(scored)
                .setRollout(TestRecords.rollout("r2", "2+2=", 0, 1.0, List.of(s("4"), s("5"))))
                .setSummary(io.prefstream.schemas.LabelSummary.newBuilder()
                        .setScores(List.of())
                        .setVotes(List.of())
                        .setLabelIds(List.of())
                        .build())
                .build();
        var b = TrainingBatch.newBuilder(batch(0, List.of()))
                .setOnlineLabeled(List.of(scored, unscored))
                .build();
        var m = step.run(b, 1e-3).metrics();
        assertEquals(1.0, m.get("groups"));
        assertEquals(1.0, m.get("dropped_rollout_without_rewards"));
        assertEquals(2.0, m.get("online_rollouts"));
        // the scored group's 3 rewards, plus the label count of the one without scores
        assertEquals(3.0 + scored.getLabelCount(), m.get("online_labels"));
        assertEquals((1.0 + 0.25 - 0.1) / 3, m.get("label_reward_mean"), 1e-12);
        assertTrue(Double.isFinite(m.get("loss")));
    }

    @Test
    void aSequenceSharedByTwoPairsIsScoredOnce() {
        var step = step("dpo");
        var pairs = List.of(TestRecords.pair("a", "1+2=", "3", "4"), TestRecords.pair("b", "1+2=", "3", "5"));
        var m = step.run(batch(0, pairs), 1e-3).metrics();
        assertEquals(3.0, m.get("sequences"));
        assertEquals(2.0, m.get("offline_pairs"));
    }

    @Test
    void labeledRolloutsWithScoresOfTheWrongSizeAreInvalid() {
        var step = step("online-dpo");
        var bad = TestRecords.labeled(TestRecords.rollout("r", "1+2=", 0, 1.0, List.of(s("3"), s("4"))), 1.0);
        var b = TrainingBatch.newBuilder(batch(0, List.of()))
                .setOnlineLabeled(List.of(bad))
                .build();
        var e = assertThrows(BatchRejectedException.class, () -> step.run(b, 1e-3));
        assertTrue(e.getMessage().contains("1 RULE scores for 2 completions"), e.getMessage());
    }
}
