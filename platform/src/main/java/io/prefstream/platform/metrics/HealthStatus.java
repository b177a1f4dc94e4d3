package io.prefstream.platform.metrics;

import java.util.Objects;

/**
 * The outcome of one {@link HealthCheck}: up, degraded (working but impaired, e.g. the broker is
 * unreachable and the service retries, a Kafka Streams app is rebalancing for long, records were
 * given up on), or down (stopped: a consumer loop or Streams app that will not come back by itself).
 *
 * @param state  UP, DEGRADED or DOWN
 * @param detail one line for operators: the reason
 */
public record HealthStatus(State state, String detail) {

    public enum State {
        UP(1.0),
        DEGRADED(0.5),
        DOWN(0.0);

        private final double gauge;

        State(double gauge) {
            this.gauge = gauge;
        }

        /** The value of the {@code prefstream_health} gauge: 1 up, 0.5 degraded, 0 down. */
        public double gauge() {
            return gauge;
        }

        /** The worse of the two. */
        public State worst(State other) {
            return compareTo(other) >= 0 ? this : other;
        }
    }

    public HealthStatus {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(detail, "detail");
    }

    /** Whether the component still works (up or degraded); a down one needs an operator or a restart. */
    public boolean healthy() {
        return state != State.DOWN;
    }

    public static HealthStatus up(String detail) {
        return new HealthStatus(State.UP, detail);
    }

    public static HealthStatus degraded(String detail) {
        return new HealthStatus(State.DEGRADED, detail);
    }

    public static HealthStatus down(String detail) {
        return new HealthStatus(State.DOWN, detail);
    }
}
