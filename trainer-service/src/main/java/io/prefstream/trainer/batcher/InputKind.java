package io.prefstream.trainer.batcher;

/** What a record entering the batch assembler is. */
enum InputKind {
    /** A {@code PreferencePair} of the offline dataset. */
    OFFLINE_PAIR,
    /** A tombstone removing an offline pair (the key is the pair id). */
    OFFLINE_TOMBSTONE,
    /** A {@code LabeledRollout}: online data with labels. */
    LABELED_ROLLOUT,
    /** An unlabeled {@code Rollout} group. */
    UNLABELED_ROLLOUT,
    /** A {@code PolicyUpdate} of the batcher's policy. */
    POLICY_UPDATE;

    boolean isOnline() {
        return this == LABELED_ROLLOUT || this == UNLABELED_ROLLOUT;
    }
}
