package io.prefstream.labeler.machine;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * A consecutive-failure circuit breaker. CLOSED: calls pass; {@code threshold} failed calls in a
 * row open it. OPEN: calls are refused for {@code openFor}; after that the next
 * {@link #tryAcquire()} is let through as a probe (HALF_OPEN) and every other call is refused until
 * the probe reports: success closes the breaker, failure opens it for another {@code openFor}.
 */
public final class CircuitBreaker {

    /** Breaker states. */
    public enum State {
        CLOSED,
        OPEN,
        HALF_OPEN
    }

    private final int threshold;
    private final long openForMs;
    private final LongSupplier clockMs;
    private State state = State.CLOSED;
    private int consecutiveFailures;
    private long openUntilMs;
    private long opened;

    public CircuitBreaker(int threshold, Duration openFor, LongSupplier clockMs) {
        if (threshold < 1) {
            throw new IllegalArgumentException("breaker threshold: expected at least 1 failure, found " + threshold);
        }
        this.threshold = threshold;
        this.openForMs = openFor.toMillis();
        this.clockMs = clockMs;
    }

    /** Whether a call may go ahead now; a true answer must be followed by {@link #success} or {@link #failure}. */
    public synchronized boolean tryAcquire() {
        return switch (state) {
            case CLOSED -> true;
            case HALF_OPEN -> false;
            case OPEN -> {
                if (clockMs.getAsLong() >= openUntilMs) {
                    state = State.HALF_OPEN;
                    yield true;
                }
                yield false;
            }
        };
    }

    public synchronized void success() {
        consecutiveFailures = 0;
        state = State.CLOSED;
    }

    public synchronized void failure() {
        consecutiveFailures++;
        if (state == State.HALF_OPEN || consecutiveFailures >= threshold) {
            if (state != State.OPEN) {
                opened++;
            }
            state = State.OPEN;
            openUntilMs = clockMs.getAsLong() + openForMs;
        }
    }

    /** The state, as seen now (an OPEN breaker whose wait is over reports HALF_OPEN only once probed). */
    public synchronized State state() {
        return state;
    }

    /** Whether calls are refused right now without a probe being due. */
    public synchronized boolean isRejecting() {
        return (state == State.OPEN && clockMs.getAsLong() < openUntilMs) || state == State.HALF_OPEN;
    }

    /** How many times the breaker has opened. */
    public synchronized long timesOpened() {
        return opened;
    }
}
