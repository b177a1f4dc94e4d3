package io.prefstream.labeler.machine;

import io.prefstream.labeler.MachineKind;
import io.prefstream.schemas.Rollout;
import java.util.ArrayList;
import java.util.List;

/**
 * Scores every completion of a rollout, higher is better. Implementations are called from one
 * thread at a time (the {@link BatchScorer}'s), with batches of at most the configured size.
 */
public interface MachineLabeler extends AutoCloseable {

    MachineKind kind();

    /** The labeler id written into labels of {@code rollout}, e.g. {@code rule:arithmetic}. */
    String labelerId(Rollout rollout);

    /** The labeler's version: a rule revision, a checkpoint hash, an endpoint. */
    String version();

    /**
     * Scores each rollout of {@code batch}: one outcome per rollout, in order. A failure of one
     * rollout must not fail the others where the labeler can tell them apart.
     */
    List<Outcome> score(List<Rollout> batch);

    /** Whether calls would fail fast right now (an open circuit breaker); the consumer pauses meanwhile. */
    default boolean unavailable() {
        return false;
    }

    @Override
    default void close() {}

    /** Scores of one rollout (one per completion), or why there are none. Exactly one is non-null. */
    record Outcome(double[] scores, LabelingException failure) {

        public static Outcome of(double[] scores) {
            return new Outcome(scores, null);
        }

        public static Outcome failed(LabelingException failure) {
            return new Outcome(null, failure);
        }

        /** The same failure for every rollout of a batch. */
        public static List<Outcome> allFailed(int n, LabelingException failure) {
            return java.util.Collections.nCopies(n, failed(failure));
        }

        /**
         * Splits the scores of every completion of {@code batch}, rollout after rollout, into one
         * outcome per rollout.
         */
        public static List<Outcome> perRollout(List<Rollout> batch, double[] flat) {
            var out = new ArrayList<Outcome>(batch.size());
            int at = 0;
            for (Rollout rollout : batch) {
                int k = rollout.getCompletions().size();
                double[] scores = new double[k];
                System.arraycopy(flat, at, scores, 0, k);
                at += k;
                out.add(of(scores));
            }
            return out;
        }
    }
}
