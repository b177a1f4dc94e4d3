package io.prefstream.labeler.machine;

import static io.prefstream.labeler.TestData.rollout;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.prefstream.model.DeviceSetting;
import io.prefstream.model.LmConfig;
import io.prefstream.model.checkpoint.Checkpoints;
import io.prefstream.model.reward.RewardModel;
import io.prefstream.model.tokenizer.CharTokenizer;
import io.prefstream.schemas.LabelKind;
import io.prefstream.schemas.Rollout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MachineLabelersTest {

    @TempDir
    Path dir;

    @Test
    void ruleLabelerScoresWithTheGoldRewardAndRefusesUnknownTasks() {
        var labeler = new RuleLabeler();
        var unknown = rollout("u", "hello", "a", "b");
        unknown.getPrompt().setTask("poetry");
        var outcomes = labeler.score(List.of(rollout("r", "12+30=", "42", "43", "142", "4"), unknown));
        // 42 exact = 1; 43 one of two digits right = 0.25; 142 = 0.5 − 0.1 = 0.4; 4 = 0.5·0/2 = 0.
        assertArrayEquals(new double[] {1.0, 0.25, 0.4, 0.0}, outcomes.get(0).scores(), 1e-12);
        assertNull(outcomes.get(1).scores());
        assertEquals(LabelingException.UNKNOWN_TASK, outcomes.get(1).failure().reason());
        assertTrue(outcomes.get(1).failure().getMessage().contains("unknown task 'poetry'"));
        assertEquals("rule:arithmetic", labeler.labelerId(rollout("r", "1+1=", "2")));

        var label = MachineLabelingLoop.label(labeler, rollout("r", "12+30=", "42"), new double[] {1.0}, 9L);
        assertEquals(LabelKind.RULE, label.getKind());
        assertEquals(List.of(1.0), label.getScores());
        assertEquals(RuleLabeler.VERSION, label.getLabelerVersion());
        assertEquals(
                label.getLabelId(),
                MachineLabelingLoop.label(labeler, rollout("r", "12+30=", "42"), new double[] {1.0}, 10L)
                        .getLabelId(),
                "the label id survives a replay");
    }

    @Test
    void rewardModelLabelerScoresBatchesLikeTheModelAndIsolatesBadRollouts() {
        var tokenizer = new CharTokenizer("0123456789+=");
        Path checkpoint = dir.resolve("rm-tiny");
        double[] direct;
        try (var model = RewardModel.create(LmConfig.tiny(tokenizer.vocabSize()), tokenizer, Device.cpu(), 11L)) {
            Checkpoints.save(checkpoint, model);
            direct = model.score(List.of("1+2=", "1+2=", "3+4="), List.of("3", "4", "7"));
        }
        var sha = Checkpoints.readManifest(checkpoint).weightsSha256();
        try (var labeler = RewardModelLabeler.load(checkpoint, DeviceSetting.CPU)) {
            assertEquals("reward-model:rm-tiny", labeler.labelerId(rollout("x", "1+1=", "2")));
            assertEquals("sha256:" + sha, labeler.version());
            var outcomes = labeler.score(List.of(rollout("a", "1+2=", "3", "4"), rollout("b", "3+4=", "7")));
            assertArrayEquals(
                    new double[] {direct[0], direct[1]}, outcomes.get(0).scores(), 1e-5);
            assertArrayEquals(new double[] {direct[2]}, outcomes.get(1).scores(), 1e-5);
            assertNotEquals(outcomes.get(0).scores()[0], outcomes.get(0).scores()[1], "a real model, not a constant");

            // 'x' is outside the alphabet: that rollout fails, the rest of the batch is still scored.
            var mixed = labeler.score(List.of(rollout("a", "1+2=", "3", "4"), rollout("bad", "1+2=", "x")));
            assertArrayEquals(new double[] {direct[0], direct[1]}, mixed.get(0).scores(), 1e-5);
            assertEquals(
                    LabelingException.SCORING_FAILED, mixed.get(1).failure().reason());
            assertTrue(mixed.get(1).failure().getMessage().contains("not in the tokenizer alphabet"));
        }
    }

    @Test
    void batchScorerRejectsNonFiniteOrMissingScores() throws Exception {
        var bad = new MachineLabeler() {
            @Override
            public io.prefstream.labeler.MachineKind kind() {
                return io.prefstream.labeler.MachineKind.REWARD_MODEL;
            }

            @Override
            public String labelerId(Rollout rollout) {
                return "bad";
            }

            @Override
            public String version() {
                return "1";
            }

            @Override
            public List<Outcome> score(List<Rollout> batch) {
                return batch.stream()
                        .map(r -> r.getId().equals("nan")
                                ? Outcome.of(new double[] {Double.NaN, 1})
                                : Outcome.of(new double[] {1}))
                        .toList();
            }
        };
        try (var scorer = new BatchScorer(bad, 4, Duration.ofMillis(20))) {
            var nan = scorer.submit(rollout("nan", "1+1=", "2", "3"));
            var missing = scorer.submit(rollout("short", "1+1=", "2", "3"));
            var fine = scorer.submit(rollout("ok", "1+1=", "2"));
            assertArrayEquals(new double[] {1}, fine.get());
            var e1 = assertThrows(ExecutionException.class, nan::get);
            assertEquals(LabelingException.INVALID_SCORES, ((LabelingException) e1.getCause()).reason());
            assertTrue(e1.getCause().getMessage().contains("gave score NaN to completion 0 of rollout nan"));
            var e2 = assertThrows(ExecutionException.class, missing::get);
            assertTrue(e2.getCause()
                    .getMessage()
                    .contains("gave 1 scores for rollout short, expected one per " + "completion (2)"));
        }
    }
}
