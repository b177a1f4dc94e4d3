package io.prefstream.platform.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

class StreamsHealthTest {

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final StreamsHealth health = new StreamsHealth("label join", Duration.ofSeconds(60), now::get);

    @Test
    void runningIsUpAndALongRebalanceIsDegradedAndAStoppedAppIsDown() {
        health.onChange(KafkaStreams.State.RUNNING);
        assertEquals(HealthStatus.State.UP, health.check().state());
        health.onChange(KafkaStreams.State.REBALANCING);
        now.addAndGet(59_000);
        assertEquals(HealthStatus.State.UP, health.check().state(), "a rebalance takes a while");
        now.addAndGet(2_000);
        var stuck = health.check();
        assertEquals(HealthStatus.State.DEGRADED, stuck.state());
        assertEquals("label join REBALANCING for 61 s", stuck.detail());
        health.onChange(KafkaStreams.State.ERROR);
        assertEquals(HealthStatus.State.DOWN, health.check().state());
        health.onChange(KafkaStreams.State.NOT_RUNNING);
        assertEquals(HealthStatus.State.DOWN, health.check().state());
    }
}
