package io.prefstream.launcher;

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

    /** How long the join waits for a human vote before it emits a rollout without one. */
    static final String HUMAN_TIMEOUT_MS = "600000";

    /**
     * The labeler settings of this choice.
     *
     * @param rewardModel the reward model's checkpoint ({@link #REWARD_MODEL} only, else null)
     */
    Map<String, String> settings(Path rewardModel) {
        var m = new LinkedHashMap<String, String>();
        switch (this) {
            case RULE -> {
                m.put("labeler.machine", "rule");
                m.put("labeler.human.route", "none");
                m.put("join.required-kinds", "RULE");
            }
            case REWARD_MODEL -> {
                m.put("labeler.machine", "reward-model");
                m.put("labeler.reward-model.checkpoint", rewardModel.toAbsolutePath().toString());
                m.put("labeler.human.route", "none");
                m.put("join.required-kinds", "REWARD_MODEL");
            }
            case HUMAN -> {
                m.put("labeler.machine", "none");
                m.put("labeler.human.route", "all");
                m.put("join.required-kinds", "HUMAN");
                m.put("join.timeout-ms", HUMAN_TIMEOUT_MS);
            }
        }
        return m;
    }
}
