package io.prefstream.trainer.objective;

import java.util.Optional;

/**
 * What {@link PairSelector} made of one labeled group: a pair of completion indices, or the reason
 * no pair was made.
 *
 * @param chosen index of y_w in the group, or -1 when dropped
 * @param rejected index of y_l in the group, or -1 when dropped
 * @param rewardMargin r(y_w) − r(y_l) (NaN for human verdicts and drops)
 * @param dropped why no pair was made, if none was
 */
public record PairChoice(int chosen, int rejected, double rewardMargin, Optional<DropReason> dropped) {

    /** Why a labeled group produced no pair. Counted by the trainer, never silent. */
    public enum DropReason {
        /** best-vs-worst: best and worst rewards are equal; random: the two drawn rewards are equal. */
        REWARD_TIE,
        /** The human judged the two completions equally good. */
        HUMAN_TIE,
        /** The human judged both completions bad. */
        HUMAN_BOTH_BAD
    }

    public PairChoice {
        if (dropped == null) {
            throw new IllegalArgumentException("PairChoice.dropped: expected Optional, found null");
        }
    }

    static PairChoice pair(int chosen, int rejected, double rewardMargin) {
        return new PairChoice(chosen, rejected, rewardMargin, Optional.empty());
    }

    static PairChoice drop(DropReason reason) {
        return new PairChoice(-1, -1, Double.NaN, Optional.of(reason));
    }

    /** Whether a pair was made. */
    public boolean isPair() {
        return dropped.isEmpty();
    }
}
