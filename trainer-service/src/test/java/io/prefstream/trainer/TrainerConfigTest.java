package io.prefstream.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prefstream.platform.config.ConfigException;
import io.prefstream.platform.config.ConfigLoader;
import io.prefstream.schemas.LabelKind;
import io.prefstream.trainer.batcher.OnlineSource;
import io.prefstream.trainer.objective.ReferenceMode;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainerConfigTest {

    private static TrainerConfig load(Map<String, String> values) {
        return load(values, Map.of());
    }

    private static TrainerConfig load(Map<String, String> values, Map<String, String> env) {
        var all = new HashMap<>(values);
        all.putIfAbsent("data.dir", "/srv/prefstream");
        return TrainerConfig.from(ConfigLoader.forSettings(TrainerSettings.ALL)
                .withEnv(env)
                .withOverrides(all)
                .load());
    }

    @Test
    void defaultsGiveAnOnlineDpoTrainerWithAHalfOnlineMix() {
        TrainerConfig c = load(Map.of());
        assertEquals("online-dpo", c.objective());
        assertEquals("policy", c.policyName());
        assertEquals(Path.of("/srv/prefstream/reference"), c.referenceDir(), "relative to data.dir");
        assertEquals(Path.of("/srv/prefstream/checkpoints"), c.checkpointDir());
        assertEquals(16, c.batcher().batchSize());
        assertEquals(8, c.batcher().onlineItems());
        assertEquals(8, c.batcher().offlineItems());
        assertEquals(OnlineSource.PREFERENCES, c.batcher().onlineSource());
        assertEquals("prefstream-batcher", c.batcher().applicationId());
        assertEquals("prefstream-trainer", c.groupId());
        assertEquals(0.1, c.objectiveParams().beta());
        assertEquals(ReferenceMode.FIXED, c.objectiveParams().reference());
        assertEquals(
                List.of(
                        LabelKind.RULE,
                        LabelKind.REWARD_MODEL,
                        LabelKind.REMOTE_RM,
                        LabelKind.AI_JUDGE,
                        LabelKind.HUMAN),
                c.rewardKinds());
    }

    @Test
    void objectiveParametersComeFromTheirSettingsAndEnvironment() {
        TrainerConfig c = load(
                Map.of("trainer.objective", "iterative-dpo", "trainer.beta", "0.25", "trainer.pair-strategy", "random"),
                Map.of("PREFSTREAM_TRAINER_REFERENCE", "refresh"));
        assertEquals("online-dpo", c.objective(), "aliases resolve to the canonical name");
        assertEquals(0.25, c.objectiveParams().beta());
        assertEquals(ReferenceMode.REFRESH, c.objectiveParams().reference());
        assertEquals("random", c.objectiveParams().pairStrategy().id());
    }

    @Test
    void badValuesNameTheKeyTheValueAndWhatIsAllowed() {
        var beta = assertThrows(ConfigException.class, () -> load(Map.of("trainer.beta", "-1")));
        assertEquals("trainer.beta", beta.key());
        assertTrue(
                beta.getMessage().contains("'-1'") && beta.getMessage().contains("a finite number > 0"),
                beta.getMessage());
        var objective = assertThrows(ConfigException.class, () -> load(Map.of("trainer.objective", "ppo")));
        assertTrue(objective.getMessage().contains("hypo"), objective.getMessage());
        var kinds = assertThrows(ConfigException.class, () -> load(Map.of("trainer.reward-kinds", "RULE,ORACLE")));
        assertEquals("trainer.reward-kinds", kinds.key());
    }

    @Test
    void hypoReadsUnlabeledRolloutsAndNeedsBothKindsOfData() {
        TrainerConfig c = load(Map.of("trainer.objective", "hypo"));
        assertEquals(OnlineSource.ROLLOUTS, c.batcher().onlineSource(), "auto: HyPO's online data is unlabeled");
        var e = assertThrows(
                ConfigException.class, () -> load(Map.of("trainer.objective", "hypo", "batcher.online-fraction", "0")));
        assertEquals("trainer.objective", e.key());
        assertTrue(
                e.getMessage().contains("(missing unlabeled groups)")
                        && e.getMessage().contains("batcher.online-fraction"),
                e.getMessage());
        var labeled = assertThrows(
                ConfigException.class,
                () -> load(Map.of("trainer.objective", "hypo", "batcher.online-source", "preferences")));
        assertTrue(labeled.getMessage().contains("online pairs"), labeled.getMessage());
    }

    @Test
    void groupObjectivesTakeLabeledRolloutsAsGroupsAndPairObjectivesRejectUnlabeledOnes() {
        TrainerConfig exo = load(Map.of("trainer.objective", "exo-rw", "batcher.online-fraction", "1"));
        assertEquals(OnlineSource.PREFERENCES, exo.batcher().onlineSource());
        var mixed = assertThrows(ConfigException.class, () -> load(Map.of("trainer.objective", "exo-rw")));
        assertTrue(mixed.getMessage().contains("does not use offline pairs"), mixed.getMessage());
        var unlabeled = assertThrows(
                ConfigException.class,
                () -> load(Map.of("trainer.objective", "dpo", "batcher.online-source", "rollouts")));
        assertTrue(unlabeled.getMessage().contains("unlabeled groups"), unlabeled.getMessage());
        var offlineOnly = assertThrows(ConfigException.class, () -> load(Map.of("batcher.online-fraction", "0")));
        assertTrue(offlineOnly.getMessage().contains("needs online pairs"), offlineOnly.getMessage());
    }

    @Test
    void settingsThatCannotWorkTogetherFailAtStartUp() {
        var ahead = assertThrows(
                ConfigException.class, () -> load(Map.of("trainer.checkpoint-every", "64", "batcher.max-ahead", "64")));
        assertEquals("batcher.max-ahead", ahead.key());
        assertEquals(
                128,
                load(Map.of("trainer.checkpoint-every", "64")).batcher().maxAhead(),
                "max-ahead 0 (the default) is twice the steps between publications");
        assertEquals(
                200,
                load(Map.of("trainer.mode", "iterative", "trainer.steps-per-iteration", "100"))
                        .batcher()
                        .maxAhead(),
                "iterative: twice the steps of an iteration");
        var iterative = assertThrows(
                ConfigException.class,
                () -> load(Map.of(
                        "trainer.mode", "iterative", "trainer.steps-per-iteration", "100", "batcher.max-ahead", "64")));
        assertTrue(iterative.getMessage().contains("trainer.steps-per-iteration"), iterative.getMessage());
        var cosine = assertThrows(ConfigException.class, () -> load(Map.of("trainer.lr-schedule", "cosine")));
        assertEquals("trainer.lr-schedule", cosine.key());
        load(Map.of("trainer.lr-schedule", "cosine", "trainer.max-steps", "100"));
        var mix = assertThrows(
                ConfigException.class, () -> load(Map.of("batcher.batch-size", "4", "batcher.online-fraction", "0.1")));
        assertTrue(mix.getMessage().contains("round(4·0.1) = 0"), mix.getMessage());
        var eval = assertThrows(ConfigException.class, () -> load(Map.of("trainer.eval-prompts", "100000")));
        assertEquals("trainer.eval-prompts", eval.key());
        load(Map.of("batcher.enabled", "false", "trainer.checkpoint-every", "500"));
    }

    /** Issue 16: the message said HyPO "needs offline pairs but the batch has unlabeled groups; it needs ...". */
    @Test
    void hypoWithoutOfflinePairsSaysWhatEveryBatchNeedsAndWhatIsMissing() {
        var e = assertThrows(
                io.prefstream.platform.config.ConfigException.class,
                () -> load(Map.of("trainer.objective", "hypo", "batcher.online-fraction", "1.0")));
        assertTrue(
                e.getMessage()
                        .contains("objective 'hypo' needs offline pairs and unlabeled groups in every batch, "
                                + "but the batch has only unlabeled groups (missing offline pairs)"),
                e.getMessage());
        assertEquals(
                "hypo",
                load(Map.of("trainer.objective", "hypo", "batcher.online-fraction", "0.5"))
                        .objective());
    }
}
