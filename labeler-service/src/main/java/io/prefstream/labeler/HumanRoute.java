package io.prefstream.labeler;

/**
 * Which rollouts the label join sends to humans as a {@code LabelRequest}
 * ({@code labeler.human.route}).
 */
public enum HumanRoute {
    /** No human labeling. */
    NONE,
    /** Every rollout with at least two completions. */
    ALL,
    /** A deterministic fraction {@code labeler.human.fraction} of rollouts, chosen by a hash of the rollout id. */
    FRACTION,
    /** Rollouts whose machine-score margin between the two best completions is below {@code labeler.human.margin}. */
    UNCERTAIN
}
