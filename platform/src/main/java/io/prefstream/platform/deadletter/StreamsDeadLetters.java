package io.prefstream.platform.deadletter;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;

/**
 * Dead letters that a Kafka Streams topology writes through one of its own sinks instead of a
 * separate producer, so they commit in the same exactly-once transaction as the input offsets and
 * the other output: a record is dead-lettered once, never lost between the two. The record carries
 * the original key and value and the headers of {@link #headers}: exactly those
 * {@link DeadLetterPublisher} writes (readable with {@link DeadLetter#from}), logged and counted in
 * the same {@value DeadLetterPublisher#COUNTER} counter.
 */
public final class StreamsDeadLetters {

    private final String service;
    private final MeterRegistry registry;

    /**
     * @param service  the topology's {@code application.id}, written as {@link DeadLetterHeaders#SERVICE}
     * @param registry where dead letters are counted
     */
    public StreamsDeadLetters(String service, MeterRegistry registry) {
        this.service = Objects.requireNonNull(service, "service");
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * The dead letter of {@code source} (see {@link Letter#of}: bounded to fit the dead-letter
     * topic); logs and counts it. Forward its key, value and headers to the dead-letter sink.
     *
     * @param detail what went wrong when there is no {@code error}
     * @param error  the exception, or null when dead-lettered for a reason only
     * @param nowMs  when it is dead-lettered (epoch ms), usually {@code context.currentSystemTimeMs()}
     */
    public Letter letter(SourcedRecord source, String reason, String detail, Throwable error, long nowMs) {
        var letter = Letter.of(source, service, reason, detail, error, nowMs);
        DeadLetterPublisher.logAndCount(
                registry,
                source,
                service,
                reason,
                error != null ? error.toString() : detail == null || detail.isEmpty() ? "-" : detail);
        return letter;
    }
}
