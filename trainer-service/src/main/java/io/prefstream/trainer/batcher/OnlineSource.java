package io.prefstream.trainer.batcher;

/** Which topic feeds the online part of each training batch. */
public enum OnlineSource {
    /** Decided by the objective: unlabeled rollouts when it uses only unlabeled groups (HyPO), else preferences. */
    AUTO,
    /** {@code LabeledRollout}s from {@code prefstream.preferences}. */
    PREFERENCES,
    /** Unlabeled {@code Rollout} groups from {@code prefstream.rollouts}. */
    ROLLOUTS
}
