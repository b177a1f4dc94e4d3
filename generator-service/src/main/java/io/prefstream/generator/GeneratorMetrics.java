package io.prefstream.generator;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The generator's meters, all tagged {@code generator=<id>} (Prometheus names in brackets):
 * rollouts, completions and tokens produced [{@code prefstream_generator_rollouts_total}, ...],
 * rates over the last {@value #RATE_WINDOW_SECONDS} s [{@code prefstream_generator_rollouts_per_second},
 * {@code prefstream_generator_tokens_per_second}], micro-batch fill = prompts / batch size
 * [{@code prefstream_generator_batch_fill}], sampling time per micro-batch, served and published
 * policy version, paused (0/1) and pause transitions by reason, P, input lag (records of its
 * partitions not yet fetched), trainer backlog, checkpoints loaded/rejected.
 */
final class GeneratorMetrics implements AutoCloseable {

    static final int RATE_WINDOW_SECONDS = 10;
    private static final long WINDOW_NANOS =
            Duration.ofSeconds(RATE_WINDOW_SECONDS).toNanos();

    private final MeterRegistry registry;
    private final Tags tags;
    private final Counter rollouts;
    private final Counter completions;
    private final Counter tokens;
    private final Counter checkpointsLoaded;
    private final Counter checkpointsRejected;
    private final Counter deadLetters;
    private final DistributionSummary batchFill;
    private final Timer sampling;
    private final AtomicLong rolloutTotal = new AtomicLong();
    private final AtomicLong tokenTotal = new AtomicLong();
    private final ArrayDeque<long[]> window = new ArrayDeque<>(); // {nanoTime, rollouts, tokens}
    private final long createdNanos = System.nanoTime();
    private final List<Meter> meters = new ArrayList<>();

    GeneratorMetrics(MeterRegistry registry, String generatorId) {
        this.registry = registry;
        this.tags = Tags.of("generator", generatorId);
        rollouts = track(Counter.builder("prefstream.generator.rollouts")
                .description("Rollouts produced")
                .tags(tags)
                .register(registry));
        completions = track(Counter.builder("prefstream.generator.completions")
                .description("Completions sampled")
                .tags(tags)
                .register(registry));
        tokens = track(Counter.builder("prefstream.generator.tokens")
                .description("Response tokens sampled, EOS included")
                .tags(tags)
                .register(registry));
        checkpointsLoaded = track(Counter.builder("prefstream.generator.checkpoints")
                .tags(tags)
                .tag("outcome", "loaded")
                .description("Policy versions loaded")
                .register(registry));
        checkpointsRejected = track(Counter.builder("prefstream.generator.checkpoints")
                .tags(tags)
                .tag("outcome", "rejected")
                .description("Policy versions skipped: missing checkpoint, wrong sha256 or shape")
                .register(registry));
        deadLetters = track(Counter.builder("prefstream.generator.dead.letters")
                .tags(tags)
                .description("Records this generator sent to the dead-letter topic")
                .register(registry));
        batchFill = track(DistributionSummary.builder("prefstream.generator.batch.fill")
                .tags(tags)
                .description("Prompts per micro-batch divided by the batch size")
                .register(registry));
        sampling = track(Timer.builder("prefstream.generator.sampling")
                .tags(tags)
                .description("Wall time of sampling and encoding one micro-batch")
                .register(registry));
        gauge("prefstream.generator.rollouts.per.second", "Rollouts per second, last 10 s", m -> m.rates()[0]);
        gauge("prefstream.generator.tokens.per.second", "Tokens per second, last 10 s", m -> m.rates()[1]);
    }

    /** Registers a gauge on {@code source} (held strongly by the caller). */
    <T> void gauge(String name, String description, T source, ToDoubleFunction<T> value) {
        track(Gauge.builder(name, source, value)
                .description(description)
                .tags(tags)
                .strongReference(true)
                .register(registry));
    }

    private void gauge(String name, String description, ToDoubleFunction<GeneratorMetrics> value) {
        gauge(name, description, this, value);
    }

    /**
     * Gauges {@code prefstream_generator_gate{code=...}}: 1 for the gate's current code (open,
     * no_policy, budget_spent, ahead_of_trainer, trainer_backlog), 0 for the others.
     */
    void gateState(Supplier<AdmissionControl.Code> current) {
        for (AdmissionControl.Code code : AdmissionControl.Code.values()) {
            track(Gauge.builder("prefstream.generator.gate", current, c -> c.get() == code ? 1 : 0)
                    .tags(tags)
                    .tag("code", code.name().toLowerCase(Locale.ROOT))
                    .strongReference(true)
                    .description("1 for the admission state the generator is in, with why")
                    .register(registry));
        }
    }

    void pauseTransition(AdmissionControl.Code code) {
        track(Counter.builder("prefstream.generator.pauses")
                        .tags(tags)
                        .tag("reason", code.name().toLowerCase(Locale.ROOT))
                        .description("Transitions into a paused state, by reason")
                        .register(registry))
                .increment();
    }

    private <M extends Meter> M track(M meter) {
        synchronized (meters) {
            if (!meters.contains(meter)) {
                meters.add(meter);
            }
        }
        return meter;
    }

    /** Removes this instance's meters, so a later generator with the same id on a shared registry starts clean. */
    @Override
    public void close() {
        synchronized (meters) {
            meters.forEach(registry::remove);
            meters.clear();
        }
    }

    /** Rollouts handed to the producer. */
    void produced(int rolloutCount, long completionCount, long tokenCount) {
        rollouts.increment(rolloutCount);
        completions.increment(completionCount);
        tokens.increment(tokenCount);
        rolloutTotal.addAndGet(rolloutCount);
        tokenTotal.addAndGet(tokenCount);
        synchronized (window) {
            window.addLast(new long[] {System.nanoTime(), rolloutCount, tokenCount});
        }
    }

    /** One micro-batch of {@code prompts} sampled in {@code nanos}. */
    void batchSampled(int prompts, int batchSize, long nanos) {
        batchFill.record((double) prompts / batchSize);
        sampling.record(Duration.ofNanos(nanos));
    }

    void checkpointLoaded() {
        checkpointsLoaded.increment();
    }

    void checkpointRejected() {
        checkpointsRejected.increment();
    }

    MeterRegistry registry() {
        return registry;
    }

    void deadLettered() {
        deadLetters.increment();
    }

    long rollouts() {
        return rolloutTotal.get();
    }

    long tokens() {
        return tokenTotal.get();
    }

    long checkpointsLoaded() {
        return (long) checkpointsLoaded.count();
    }

    long checkpointsRejected() {
        return (long) checkpointsRejected.count();
    }

    long deadLetters() {
        return (long) deadLetters.count();
    }

    /** {rollouts/s, tokens/s} over the last window (or since creation, if younger). */
    double[] rates() {
        long now = System.nanoTime();
        long rolloutsIn = 0;
        long tokensIn = 0;
        synchronized (window) {
            while (!window.isEmpty() && now - window.peekFirst()[0] > WINDOW_NANOS) {
                window.pollFirst();
            }
            for (long[] e : window) {
                rolloutsIn += e[1];
                tokensIn += e[2];
            }
        }
        double seconds = Math.min(WINDOW_NANOS, Math.max(1, now - createdNanos)) / 1e9;
        return new double[] {rolloutsIn / seconds, tokensIn / seconds};
    }
}
