package io.prefstream.trainer.objective;

/**
 * The four kinds of training data an objective can consume; the batcher routes records by kind.
 *
 * <ul>
 *   <li>{@link #OFFLINE_PAIRS}: (x, y_w, y_l) from the offline-preferences topic; μ = π_ref unless a
 *       behaviour log-prob is recorded.
 *   <li>{@link #ONLINE_PAIRS}: pairs built from labeled rollouts by {@link PairSelector}; carry the
 *       generator's behaviour log-probs.
 *   <li>{@link #LABELED_GROUPS}: K completions of one prompt with a reward per completion.
 *   <li>{@link #UNLABELED_GROUPS}: K completions of one prompt sampled from the (recent) policy, no
 *       labels (HyPO's online KL term).
 * </ul>
 */
public enum DataKind {
    OFFLINE_PAIRS("offline pairs"),
    ONLINE_PAIRS("online pairs"),
    LABELED_GROUPS("labeled groups"),
    UNLABELED_GROUPS("unlabeled groups");

    private final String label;

    DataKind(String label) {
        this.label = label;
    }

    /** Human-readable name used in error messages, e.g. "offline pairs". */
    public String label() {
        return label;
    }
}
