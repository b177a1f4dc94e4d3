package io.prefstream.platform.deadletter;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.prefstream.platform.metrics.HealthStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poll loop of a consuming service, on its own thread. For each polled batch: every record
 * goes to the {@link RecordHandler}; a record whose handler throws, or whose output fails to send,
 * goes to the dead-letter topic and the loop carries on; once every output and dead-letter send
 * of the batch is acknowledged, the batch's offsets are committed. Hence at-least-once: a crash
 * before the commit replays the batch, nothing is skipped.
 *
 * <p>Back-pressure: {@link #pause()}/{@link #resume()}, or a {@code pauseWhen} condition checked
 * every poll, pause the whole assignment (partitions assigned later too); a paused loop blocks in
 * {@code poll} for the poll timeout, so it never spins. {@link #close()} wakes the consumer, waits
 * for the thread and closes the consumer. A failure the loop cannot survive (dead-letter send
 * failed, broker fatal error) stops it without committing; {@link #failure()} says why.
 */
public final class ResilientConsumerLoop implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ResilientConsumerLoop.class);

    /** Counter of records handled successfully, tags {@code service}, {@code topic}. */
    public static final String PROCESSED_COUNTER = "prefstream.consumer.records.processed";

    private final Consumer<byte[], byte[]> consumer;
    private final Collection<String> topics;
    private final RecordHandler handler;
    private final DeadLetterPublisher deadLetters;
    private final String service;
    private final Duration pollTimeout;
    private final BooleanSupplier pauseWhen;
    private final MeterRegistry registry;
    private final Thread thread;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean pauseRequested = new AtomicBoolean();
    private final AtomicLong committedBatches = new AtomicLong();
    private volatile boolean paused;
    private volatile Throwable failure;

    private ResilientConsumerLoop(Builder b) {
        this.consumer = Objects.requireNonNull(b.consumer, "consumer");
        this.topics = List.copyOf(Objects.requireNonNull(b.topics, "topics"));
        if (topics.isEmpty()) {
            throw new IllegalArgumentException("Expected at least one topic to consume, found none");
        }
        this.handler = Objects.requireNonNull(b.handler, "handler");
        this.deadLetters = Objects.requireNonNull(b.deadLetters, "deadLetters");
        this.service = Objects.requireNonNull(b.service, "service");
        this.pollTimeout = b.pollTimeout;
        this.pauseWhen = b.pauseWhen;
        this.registry = b.registry;
        this.thread = new Thread(this::run, "prefstream-" + service + "-consumer");
        Gauge.builder("prefstream.consumer.paused", this, l -> l.paused ? 1 : 0)
                .description("1 while the consumer loop is paused for back-pressure")
                .tag("service", service)
                .register(registry);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Configures a {@link ResilientConsumerLoop}; consumer, topics, handler, dead letters and service are required. */
    public static final class Builder {
        private Consumer<byte[], byte[]> consumer;
        private Collection<String> topics;
        private RecordHandler handler;
        private DeadLetterPublisher deadLetters;
        private String service;
        private Duration pollTimeout = Duration.ofMillis(200);
        private BooleanSupplier pauseWhen = () -> false;
        private MeterRegistry registry = new SimpleMeterRegistry();

        private Builder() {}

        /** The consumer (manual commit); the loop closes it. */
        public Builder consumer(Consumer<byte[], byte[]> consumer) {
            this.consumer = consumer;
            return this;
        }

        public Builder topics(Collection<String> topics) {
            this.topics = topics;
            return this;
        }

        public Builder topics(String... topics) {
            return topics(List.of(topics));
        }

        public Builder handler(RecordHandler handler) {
            this.handler = handler;
            return this;
        }

        public Builder deadLetters(DeadLetterPublisher deadLetters) {
            this.deadLetters = deadLetters;
            return this;
        }

        /** Service name for logs, metrics and the {@code dlq.service} header. */
        public Builder service(String service) {
            this.service = service;
            return this;
        }

        /** How long one poll may block; also the reaction time to pause/resume. Default 200 ms. */
        public Builder pollTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("Expected a positive poll timeout, found " + timeout);
            }
            this.pollTimeout = timeout;
            return this;
        }

        /** Back-pressure: the assignment is paused while this returns true (checked before every poll). */
        public Builder pauseWhen(BooleanSupplier condition) {
            this.pauseWhen = Objects.requireNonNull(condition, "condition");
            return this;
        }

        public Builder registry(MeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        public ResilientConsumerLoop build() {
            return new ResilientConsumerLoop(this);
        }

        /** Builds and starts the loop. */
        public ResilientConsumerLoop start() {
            return build().start();
        }
    }

    /** Starts the polling thread. */
    public ResilientConsumerLoop start() {
        if (!running.compareAndSet(false, true)) {
            throw new IllegalStateException("Consumer loop of " + service + " already started");
        }
        thread.start();
        return this;
    }

    /** Pauses consumption until {@link #resume()} (takes effect at the next poll). */
    public void pause() {
        pauseRequested.set(true);
    }

    public void resume() {
        pauseRequested.set(false);
    }

    /** Whether the assignment is paused right now. */
    public boolean isPaused() {
        return paused;
    }

    /** Whether the thread is polling (false once closed or failed). */
    public boolean isRunning() {
        return running.get() && thread.isAlive();
    }

    /** Why the loop stopped on its own, if it did. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /** For {@code /health}: up while polling, down with the failure once stopped. */
    public HealthStatus health() {
        if (isRunning()) {
            return HealthStatus.up(paused ? "paused (back-pressure)" : "consuming " + topics);
        }
        return HealthStatus.down(failure == null ? "stopped" : "failed: " + failure);
    }

    /** Number of batches whose offsets were committed so far (tests wait on it). */
    public long committedBatches() {
        return committedBatches.get();
    }

    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
        if (thread.isAlive() && Thread.currentThread() != thread) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        try {
            consumer.subscribe(topics, new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    if (paused) {
                        consumer.pause(partitions); // newly assigned partitions stay paused too
                    }
                }
            });
            log.info("{} consuming {}", service, topics);
            while (running.get()) {
                applyBackPressure();
                ConsumerRecords<byte[], byte[]> records = consumer.poll(pollTimeout);
                if (!records.isEmpty()) {
                    processAndCommit(records);
                }
            }
        } catch (WakeupException e) {
            if (running.get()) {
                failure = e;
                log.error("{} consumer woken up unexpectedly", service, e);
            }
        } catch (RuntimeException | Error e) {
            failure = e;
            log.error(
                    "{} consumer loop stopped: {}; uncommitted records will be re-read on restart",
                    service,
                    e.toString(),
                    e);
        } finally {
            running.set(false);
            consumer.close();
            log.info("{} consumer loop closed", service);
        }
    }

    private void applyBackPressure() {
        boolean shouldPause = pauseRequested.get() || pauseWhen.getAsBoolean();
        if (shouldPause && !paused) {
            consumer.pause(consumer.assignment());
            paused = true;
            log.info("{} paused {}", service, consumer.assignment());
        } else if (!shouldPause && paused) {
            consumer.resume(consumer.paused());
            paused = false;
            log.info("{} resumed", service);
        }
    }

    private void processAndCommit(ConsumerRecords<byte[], byte[]> records) {
        var pending = new ArrayList<Pending>(records.count());
        var offsets = new HashMap<TopicPartition, OffsetAndMetadata>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            try {
                Future<?> output = handler.handle(record);
                pending.add(new Pending(record, output == null ? RecordHandler.DONE : output, false));
            } catch (Exception e) {
                log.warn(
                        "{} failed on {}-{}@{}: {}",
                        service,
                        record.topic(),
                        record.partition(),
                        record.offset(),
                        e.toString());
                pending.add(new Pending(record, deadLetters.send(record, service, e), true));
            }
            offsets.put(
                    new TopicPartition(record.topic(), record.partition()), new OffsetAndMetadata(record.offset() + 1));
        }
        awaitAll(pending);
        try {
            consumer.commitSync(offsets);
            committedBatches.incrementAndGet();
        } catch (CommitFailedException e) {
            // The group rebalanced while we worked; the new owner replays from the last commit.
            log.warn("{} could not commit {} (group rebalanced); records will be redelivered", service, offsets);
        }
    }

    /** Waits for every output; a failed output is dead-lettered; a failed dead-letter send is fatal. */
    private void awaitAll(List<Pending> pending) {
        var retries = new ArrayList<Pending>();
        for (Pending p : pending) {
            try {
                p.future().get();
                if (!p.deadLettered()) {
                    Counter.builder(PROCESSED_COUNTER)
                            .tag("service", service)
                            .tag("topic", p.record().topic())
                            .register(registry)
                            .increment();
                }
            } catch (ExecutionException e) {
                if (p.deadLettered()) {
                    throw new IllegalStateException(
                            "Cannot write dead letter for " + coordinates(p.record()) + ": " + e.getCause(),
                            e.getCause());
                }
                log.warn(
                        "{} output for {} failed: {}",
                        service,
                        coordinates(p.record()),
                        e.getCause().toString());
                retries.add(new Pending(
                        p.record(), deadLetters.send(p.record(), service, "output-send-failed", e.getCause()), true));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted waiting for outputs of " + coordinates(p.record()), e);
            }
        }
        if (!retries.isEmpty()) {
            awaitAll(retries);
        }
    }

    private static String coordinates(ConsumerRecord<?, ?> r) {
        return r.topic() + "-" + r.partition() + "@" + r.offset();
    }

    private record Pending(ConsumerRecord<byte[], byte[]> record, Future<?> future, boolean deadLettered) {}
}
