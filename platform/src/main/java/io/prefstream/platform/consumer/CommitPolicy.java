package io.prefstream.platform.consumer;

import java.time.Duration;
import java.util.Objects;

/**
 * When a {@link ConsumerLoop} commits. Whatever the policy, a commit covers only records whose
 * outputs completed (see {@link OffsetLedger}).
 *
 * @param kind     which of the three policies
 * @param interval for {@link Kind#INTERVAL}: at most how often completed offsets are committed
 */
public record CommitPolicy(Kind kind, Duration interval) {

    public enum Kind {
        /** Each poll's outputs are awaited, then committed synchronously before the next poll. */
        AFTER_EACH_POLL,
        /**
         * Completed offsets are committed asynchronously at most every interval (synchronously on
         * revocation and close), so broker round trips overlap work on held records.
         */
        INTERVAL,
        /** The loop never commits by itself: the processor commits a position it keeps in its own checkpoints. */
        ON_REQUEST,
        /**
         * Outputs and the offsets of the records they came from are committed in one Kafka
         * transaction, at most every interval (and on revocation and close): after a crash,
         * {@code read_committed} readers never see an output whose record is read again.
         */
        TRANSACTIONAL
    }

    public static final CommitPolicy AFTER_EACH_POLL = new CommitPolicy(Kind.AFTER_EACH_POLL, Duration.ZERO);
    public static final CommitPolicy ON_REQUEST = new CommitPolicy(Kind.ON_REQUEST, Duration.ZERO);

    public CommitPolicy {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(interval, "interval");
        if (interval.isNegative()) {
            throw new IllegalArgumentException("Expected a commit interval >= 0, found " + interval);
        }
    }

    /**
     * Outputs and offsets committed together in a transaction at most every {@code interval} (0:
     * every turn); the loop's builder takes the transactional producer the outputs are sent with.
     */
    public static CommitPolicy transactional(Duration interval) {
        return new CommitPolicy(Kind.TRANSACTIONAL, interval);
    }

    /** Completed offsets committed asynchronously at most every {@code interval} (0: every turn). */
    public static CommitPolicy every(Duration interval) {
        return new CommitPolicy(Kind.INTERVAL, interval);
    }
}
