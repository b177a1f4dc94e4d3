package io.prefstream.platform.metrics;

import java.time.Duration;
import java.util.function.LongSupplier;
import org.apache.kafka.streams.KafkaStreams;

/**
 * A Kafka Streams app's health from its state: RUNNING is up; CREATED or REBALANCING is up for a
 * while and DEGRADED once it lasts longer than {@code patience} (a join stuck rebalancing is not
 * working); ERROR, PENDING_ERROR, PENDING_SHUTDOWN and NOT_RUNNING are DOWN. Feed it every state
 * change ({@link #onChange}) from the app's state listener.
 */
public final class StreamsHealth implements HealthCheck {

    private final String name;
    private final Duration patience;
    private final LongSupplier clockMs;
    private volatile KafkaStreams.State state = KafkaStreams.State.CREATED;
    private volatile long sinceMs;

    public StreamsHealth(String name, Duration patience) {
        this(name, patience, System::currentTimeMillis);
    }

    StreamsHealth(String name, Duration patience, LongSupplier clockMs) {
        this.name = name;
        this.patience = patience;
        this.clockMs = clockMs;
        this.sinceMs = clockMs.getAsLong();
    }

    /** Records a state change (call from the app's {@code KafkaStreams.StateListener}). */
    public void onChange(KafkaStreams.State now) {
        state = now;
        sinceMs = clockMs.getAsLong();
    }

    @Override
    public HealthStatus check() {
        KafkaStreams.State s = state;
        long forMs = clockMs.getAsLong() - sinceMs;
        String detail = name + " " + s + " for " + forMs / 1000 + " s";
        return switch (s) {
            case RUNNING -> HealthStatus.up(detail);
            case CREATED, REBALANCING ->
                forMs > patience.toMillis() ? HealthStatus.degraded(detail) : HealthStatus.up(detail);
            default -> HealthStatus.down(detail);
        };
    }
}
