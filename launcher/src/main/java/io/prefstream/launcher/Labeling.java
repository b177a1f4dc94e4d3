package io.prefstream.launcher;

import io.prefstream.labeler.LabelerSettings;
import io.prefstream.trainer.TrainerSettings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Who labels the rollouts of an all-in-one run ({@code --labeling}), as labeler and label-join
 * settings: the task's rule (gold reward), a reward model trained on π_ref's ranked samples, or
 * humans in the labeling web UI.
 */
public enum Labeling {
    /** The task's gold reward scores every completion. */
    RULE,
    /** A Bradley–Terry reward model scores every completion. */
    REWARD_MODEL,
    /** Every rollout waits for a human vote in the web UI (the run advances as people label). */
    HUMAN;

    /** Labeler id of the token {@link #HUMAN} labeling creates for the person at the terminal. */
    static final String LOCAL_LABELER = "you";

    /** How long the join waits for a human vote before it emits a rollout without one. */
    static final String HUMAN_TIMEOUT_MS = "600000";

    /** A fresh random token for the labeling UI (the UI reads it from {@code ?token=}). */
    static String newToken() {
        var bytes = new byte[12];
        new java.security.SecureRandom().nextBytes(bytes);
        return java.util.HexFormat.of().formatHex(bytes);
    }

    /**
     * The labeling UI address to print: with the run's own token when the settings still hold it.
     */
    static java.net.URI uiAddress(
            java.net.URI ui, io.prefstream.platform.config.ResolvedConfig settings, String humanToken) {
        var tokens = io.prefstream.labeler.LabelerSettings.TOKENS;
        if (humanToken == null || !settings.sourceOf(tokens).equals("profile")) {
            return ui;
        }
        return ui.resolve("?token=" + humanToken);
    }

    /**
     * The labeler settings of this choice.
     *
     * @param rewardModel the reward model's checkpoint ({@link #REWARD_MODEL} only, else null)
     * @param humanToken  the labeling API token of {@link #LOCAL_LABELER} ({@link #HUMAN} only)
     */
    public Map<String, String> settings(Path rewardModel, String humanToken) {
        var m = new LinkedHashMap<String, String>();
        switch (this) {
            case RULE -> {
                m.put(LabelerSettings.MACHINE.key(), "rule");
                m.put(LabelerSettings.HUMAN_ROUTE.key(), "none");
                m.put(LabelerSettings.JOIN_REQUIRED_KINDS.key(), "RULE");
            }
            case REWARD_MODEL -> {
                m.put(LabelerSettings.MACHINE.key(), "reward-model");
                m.put(
                        LabelerSettings.REWARD_MODEL_CHECKPOINT.key(),
                        rewardModel.toAbsolutePath().toString());
                // the trainer's evaluations score their samples with the same proxy: proxy up, gold down
                m.put(
                        TrainerSettings.EVAL_REWARD_MODEL.key(),
                        rewardModel.toAbsolutePath().toString());
                m.put(LabelerSettings.HUMAN_ROUTE.key(), "none");
                m.put(LabelerSettings.JOIN_REQUIRED_KINDS.key(), "REWARD_MODEL");
            }
            case HUMAN -> {
                m.put(LabelerSettings.MACHINE.key(), "none");
                m.put(LabelerSettings.HUMAN_ROUTE.key(), "all");
                m.put(LabelerSettings.JOIN_REQUIRED_KINDS.key(), "HUMAN");
                m.put(LabelerSettings.JOIN_TIMEOUT_MS.key(), HUMAN_TIMEOUT_MS);
                m.put(LabelerSettings.TOKENS.key(), LOCAL_LABELER + ":" + humanToken);
            }
        }
        return m;
    }
}
