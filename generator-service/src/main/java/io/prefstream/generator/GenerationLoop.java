package io.prefstream.generator;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.prefstream.generator.PendingPrompts.Entry;
import io.prefstream.generator.StalenessGate.Admission;
import io.prefstream.platform.deadletter.DeadLetterPublisher;
import io.prefstream.schemas.Prompt;
import io.prefstream.schemas.Rollout;
import io.prefstream.schemas.serde.AvroDecoder;
import io.prefstream.schemas.serde.AvroEncoder;
import io.prefstream.schemas.serde.RecordDecodingException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The generator's thread: poll prompts, gather a micro-batch, swap policy, sample, produce, commit.
 *
 * <p>Each turn: (1) take a pending {@link PolicyEvent}: a loaded version is swapped in (and the old
 * one closed), so a micro-batch is always sampled by one version; (2) ask the {@link StalenessGate};
 * closed pauses the consumer's assignment, open resumes it (transitions logged once); (3) commit
 * every partition's completed prefix (at most every {@code generator.commit-interval-ms}); (4) sample {@code min(B, quota)} waiting prompts when that
 * many are waiting or the oldest has waited {@code T}; else poll (at most until the oldest waiting
 * prompt's deadline). Rollouts are sent asynchronously (idempotent producer) and their offsets
 * committed (asynchronously; synchronously on revocation and close) once acknowledged (see
 * {@link PendingPrompts}), so broker round trips overlap the next micro-batch's sampling. Undecodable or unsampleable prompts go to the dead-letter topic with
 * the reason; the loop goes on.
 */
final class GenerationLoop implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GenerationLoop.class);
    static final String OUTPUT_SEND_FAILED = "output-send-failed";
    /** Final commits tried when close() wake-ups land in them (one per close() call). */
    private static final int MAX_COMMIT_ATTEMPTS = 3;

    private final GeneratorConfig config;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Producer<byte[], byte[]> producer;
    private final AvroDecoder<Prompt> decoder;
    private final AvroEncoder<Rollout> encoder;
    private final DeadLetterPublisher deadLetters;
    private final PolicyFollower follower;
    private final LongSupplier trainerBacklog;
    private final StalenessGate gate;
    private final RolloutSampler sampler;
    private final GeneratorMetrics metrics;
    private final PendingPrompts pending = new PendingPrompts();
    /** Offsets of acknowledged prompts not yet committed (committed with the next interval, revocation or close). */
    private final Map<TopicPartition, OffsetAndMetadata> acknowledged = new HashMap<>();

    private long lastCommitNanos = System.nanoTime();
    private final String service;
    private final Thread thread;
    private final AtomicBoolean running = new AtomicBoolean();
    private final CountDownLatch subscribed = new CountDownLatch(1);

    private volatile ServingPolicy serving;
    private volatile long produced;
    private volatile Admission admission;
    private volatile boolean paused;
    private volatile boolean loopStarted;
    private volatile int assigned;
    private volatile int held;
    private volatile long inputLag;
    private volatile Throwable failure;

    GenerationLoop(
            GeneratorConfig config,
            KafkaConsumer<byte[], byte[]> consumer,
            Producer<byte[], byte[]> producer,
            AvroDecoder<Prompt> decoder,
            AvroEncoder<Rollout> encoder,
            DeadLetterPublisher deadLetters,
            PolicyFollower follower,
            LongSupplier trainerBacklog,
            GeneratorMetrics metrics,
            ServingPolicy initial) {
        this.config = config;
        this.consumer = consumer;
        this.producer = producer;
        this.decoder = decoder;
        this.encoder = encoder;
        this.deadLetters = deadLetters;
        this.follower = follower;
        this.trainerBacklog = trainerBacklog;
        this.gate = StalenessGate.of(config);
        this.sampler = RolloutSampler.of(config);
        this.metrics = metrics;
        this.service = config.common().serviceId();
        this.serving = initial;
        this.admission = gate.admit(servingVersion(), 0, 0);
        this.thread = new Thread(this::run, "prefstream-generator-" + config.generatorId());
        metrics.gauge(
                "prefstream.generator.policy.version",
                "Policy version being served, -1 before the first",
                this,
                l -> l.servingVersion());
        metrics.gauge(
                "prefstream.generator.paused",
                "1 while the generator is paused (admission control)",
                this,
                l -> l.paused ? 1 : 0);
        metrics.gauge(
                "prefstream.generator.produced.this.version",
                "Rollouts since the last version event (P)",
                this,
                l -> l.produced);
        metrics.gauge(
                "prefstream.generator.ahead.versions",
                "Per-version budgets produced ahead of the trainer",
                this,
                l -> l.gate.ahead(l.produced));
        metrics.gauge(
                "prefstream.generator.input.lag",
                "Prompt records of its partitions not yet fetched",
                this,
                l -> l.inputLag);
        metrics.gateState(() -> admission.code());
        metrics.gauge(
                "prefstream.generator.buffered", "Prompt records held between poll and commit", this, l -> l.held);
    }

    /** Starts the thread and returns once the consumer is subscribed. */
    void start() {
        if (!running.compareAndSet(false, true)) {
            throw new IllegalStateException("generator loop already started");
        }
        thread.start();
        try {
            subscribed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while starting the generator loop", e);
        }
    }

    long servingVersion() {
        ServingPolicy s = serving;
        return s == null ? -1 : s.version();
    }

    long produced() {
        return produced;
    }

    Admission admission() {
        return admission;
    }

    boolean paused() {
        return paused;
    }

    boolean started() {
        return loopStarted;
    }

    boolean isRunning() {
        return running.get() && thread.isAlive();
    }

    Throwable failure() {
        return failure;
    }

    int assignedPartitions() {
        return assigned;
    }

    int held() {
        return held;
    }

    long inputLag() {
        return inputLag;
    }

    private void run() {
        try {
            consumer.subscribe(List.of(config.topics().prompts()), new Rebalance());
            loopStarted = true;
            subscribed.countDown();
            log.info(
                    "Generator {} consuming {} in group {} (mode {}, B={}, T={} ms, K={}, budget {}/version)",
                    config.generatorId(),
                    config.topics().prompts(),
                    config.groupId(),
                    config.mode(),
                    config.batchSize(),
                    config.maxWait().toMillis(),
                    config.samplesPerPrompt(),
                    config.budgetPerVersion() == 0 ? "unlimited" : config.budgetPerVersion());
            log.info(
                    "Generator {} {}: {}",
                    config.generatorId(),
                    admission.open() ? "running" : "paused",
                    admission.reason());
            if (!admission.open()) {
                metrics.pauseTransition(admission.code());
            }
            while (running.get()) {
                turn();
            }
            drain();
        } catch (WakeupException e) {
            if (running.get()) {
                failure = e;
                log.error("Generator {} woken up unexpectedly", config.generatorId(), e);
            } else {
                drain();
            }
        } catch (RuntimeException | Error e) {
            failure = e;
            log.error(
                    "Generator {} stopped: {}; uncommitted prompts will be re-read on restart",
                    config.generatorId(),
                    e.toString(),
                    e);
        } finally {
            running.set(false);
            subscribed.countDown();
            try {
                consumer.close();
            } catch (RuntimeException e) {
                log.warn("Closing the prompts consumer failed: {}", e.toString());
            }
            ServingPolicy last = serving;
            if (last != null) {
                last.close();
            }
            log.info("Generator {} stopped after {} rollouts", config.generatorId(), metrics.rollouts());
        }
    }

    private void turn() {
        applyPolicyEvent();
        Admission a = gate.admit(servingVersion(), produced, trainerBacklog.getAsLong());
        admit(a);
        acknowledged.putAll(pending.completed(this::deadLetterFailedOutput));
        if (!acknowledged.isEmpty()
                && System.nanoTime() - lastCommitNanos
                        >= config.commitInterval().toNanos()) {
            commitAsync(Map.copyOf(acknowledged));
            acknowledged.clear();
            lastCommitNanos = System.nanoTime();
        }
        int want = (int) Math.min(config.batchSize(), a.quota());
        Duration timeout = config.pollTimeout();
        int waiting = pending.waitingCount();
        if (want > 0 && waiting > 0) {
            long waitedNanos = System.nanoTime() - pending.oldestWaitingNanos();
            long leftNanos = config.maxWait().toNanos() - waitedNanos;
            if (waiting >= want || leftNanos <= 0) {
                sampleBatch(want);
                return;
            }
            timeout = Duration.ofNanos(Math.min(timeout.toNanos(), leftNanos));
        }
        accept(consumer.poll(timeout));
        held = pending.size();
        long lag = 0;
        for (TopicPartition tp : consumer.assignment()) {
            lag += consumer.currentLag(tp).orElse(0);
        }
        inputLag = lag;
    }

    private void applyPolicyEvent() {
        PolicyEvent event = follower.take();
        if (event instanceof PolicyEvent.Loaded loaded) {
            ServingPolicy old = serving;
            serving = loaded.policy();
            produced = 0;
            metrics.checkpointLoaded();
            log.info(
                    "Generator {} now serves policy version {} (was {}); per-version count restarts",
                    config.generatorId(),
                    loaded.version(),
                    old == null ? "none" : old.version());
            if (old != null) {
                old.close();
            }
        } else if (event instanceof PolicyEvent.Rejected rejected) {
            metrics.checkpointRejected();
            if (serving != null) {
                produced = 0; // the trainer has moved on; see StalenessGate
            }
            log.warn(
                    "Generator {} skipped policy version {} ({}): {}; still serving version {}",
                    config.generatorId(),
                    rejected.version(),
                    rejected.uri(),
                    rejected.reason(),
                    servingVersion());
        }
    }

    /** Applies the gate's answer to the consumer; logs and counts state transitions only. */
    private void admit(Admission a) {
        Admission previous = admission;
        admission = a;
        if (a.code() != previous.code()) {
            if (a.open()) {
                log.info("Generator {} running: {}", config.generatorId(), a.reason());
            } else {
                log.info("Generator {} paused: {}", config.generatorId(), a.reason());
                metrics.pauseTransition(a.code());
            }
        }
        if (!a.open() && !paused) {
            consumer.pause(consumer.assignment());
            paused = true;
        } else if (a.open() && paused) {
            consumer.resume(consumer.paused());
            paused = false;
        }
    }

    private void accept(ConsumerRecords<byte[], byte[]> records) {
        long now = System.nanoTime();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            try {
                Prompt prompt = decoder.decode(record);
                if (prompt == null) {
                    throw new InvalidPromptException(
                            InvalidPromptException.UNDECODABLE, "null value (tombstone): expected a Prompt");
                }
                pending.addPrompt(record, prompt, now);
            } catch (RecordDecodingException e) {
                pending.addDeadLettered(record, deadLetter(record, InvalidPromptException.UNDECODABLE, e));
            } catch (InvalidPromptException e) {
                pending.addDeadLettered(record, deadLetter(record, e.reason(), e));
            }
        }
    }

    private void sampleBatch(int want) {
        ServingPolicy policy = serving;
        List<Entry> batch = pending.take(want);
        var inputs = new ArrayList<RolloutSampler.Input>(batch.size());
        var entries = new ArrayList<Entry>(batch.size());
        var model = policy.model();
        for (Entry e : batch) {
            try {
                int[] tokens = PromptTokens.encode(e.prompt, model.tokenizer(), model.config(), config.maxNewTokens());
                inputs.add(new RolloutSampler.Input(e.prompt, tokens, e.receivedNanos));
                entries.add(e);
            } catch (InvalidPromptException ex) {
                e.completeWith(deadLetter(e.record, ex.reason(), ex), true);
            }
        }
        if (inputs.isEmpty()) {
            return;
        }
        long started = System.nanoTime();
        List<Rollout> rollouts = null;
        try {
            rollouts = sampler.sample(policy, inputs);
        } catch (RuntimeException ex) {
            log.warn(
                    "Micro-batch of {} prompts failed with version {} ({}); sampling them one by one",
                    inputs.size(),
                    policy.version(),
                    ex.toString());
        }
        if (rollouts != null) {
            send(entries, rollouts);
        } else {
            for (int i = 0; i < inputs.size(); i++) {
                Entry e = entries.get(i);
                List<Rollout> single;
                try {
                    single = sampler.sample(policy, List.of(inputs.get(i)));
                } catch (RuntimeException ex) {
                    e.completeWith(
                            deadLetter(
                                    e.record,
                                    InvalidPromptException.SAMPLING_FAILED,
                                    new InvalidPromptException(
                                            InvalidPromptException.SAMPLING_FAILED,
                                            "sampling prompt "
                                                    + e.prompt.getId() + " with policy version " + policy.version()
                                                    + " failed: "
                                                    + ex.getMessage(),
                                            ex)),
                            true);
                    continue;
                }
                send(List.of(e), single);
            }
        }
        metrics.batchSampled(entries.size(), config.batchSize(), System.nanoTime() - started);
    }

    private void send(List<Entry> entries, List<Rollout> rollouts) {
        long completions = 0;
        long tokens = 0;
        for (int i = 0; i < rollouts.size(); i++) {
            Rollout rollout = rollouts.get(i);
            byte[] value = encoder.encode(config.topics().rollouts(), rollout);
            byte[] key = rollout.getPrompt().getId().getBytes(UTF_8);
            Future<?> ack = producer.send(new ProducerRecord<>(config.topics().rollouts(), key, value));
            entries.get(i).completeWith(ack, false);
            completions += rollout.getCompletions().size();
            for (var c : rollout.getCompletions()) {
                tokens += c.getLength();
            }
        }
        produced += rollouts.size();
        metrics.produced(rollouts.size(), completions, tokens);
    }

    private Future<?> deadLetter(ConsumerRecord<byte[], byte[]> record, String reason, Throwable error) {
        metrics.deadLettered();
        return deadLetters.send(record, service, reason, error);
    }

    private Future<?> deadLetterFailedOutput(Entry entry, Throwable cause) {
        log.warn(
                "Rollout for {} (prompt {}) was not acknowledged: {}",
                entry.coordinates(),
                entry.prompt.getId(),
                cause.toString());
        return deadLetter(entry.record, OUTPUT_SEND_FAILED, cause);
    }

    /**
     * Commits asynchronously, so the broker round trip does not stall sampling; commits of one
     * consumer are applied in order, and a failed one's offsets go back into {@code acknowledged}
     * for the next commit (periodic, or the synchronous one on revocation and close).
     */
    private void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        if (offsets.isEmpty()) {
            return;
        }
        consumer.commitAsync(offsets, (committed, error) -> {
            if (error != null) {
                // Runs on this loop's thread (inside poll or a commit). Put the offsets back so the next
                // commit, or the one on revocation or close, carries them, unless a later one already
                // does or the partition is no longer ours (its new owner re-reads those prompts).
                var owned = consumer.assignment();
                offsets.forEach((tp, offset) -> {
                    if (owned.contains(tp)) {
                        acknowledged.merge(
                                tp, offset, (later, failed) -> later.offset() >= failed.offset() ? later : failed);
                    }
                });
                log.warn(
                        "Generator {} could not commit {} ({}); retrying with the next commit",
                        config.generatorId(),
                        offsets,
                        error.toString());
            }
        });
    }

    private void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        if (offsets.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(offsets);
        } catch (CommitFailedException | RebalanceInProgressException e) {
            // The group rebalanced under us; the new owner re-reads these prompts and the
            // deterministic rollout ids make the repeats recognisable downstream.
            log.warn(
                    "Generator {} could not commit {} ({}); those prompts will be redelivered",
                    config.generatorId(),
                    offsets,
                    e.toString());
        }
    }

    /** Waits for every output in flight and commits the completed prefixes. */
    private void commitEverythingAcknowledged() {
        for (int round = 0; round < 2; round++) { // a failed output is dead-lettered in round 0, settled in round 1
            producer.flush();
            acknowledged.putAll(pending.completed(this::deadLetterFailedOutput));
        }
        // Twice at most: an asynchronous commit that fails while this one flushes it puts its offsets back.
        for (int pass = 0; pass < 2 && !acknowledged.isEmpty(); pass++) {
            var offsets = Map.copyOf(acknowledged);
            commitSyncDespiteWakeups(offsets);
            acknowledged
                    .entrySet()
                    .removeIf(e -> offsets.containsKey(e.getKey())
                            && offsets.get(e.getKey()).offset() >= e.getValue().offset());
        }
        lastCommitNanos = System.nanoTime();
    }

    private void commitSyncDespiteWakeups(Map<TopicPartition, OffsetAndMetadata> offsets) {
        for (int attempt = 1; ; attempt++) {
            try {
                commitSync(offsets); // also flushes earlier asynchronous commits
                return;
            } catch (WakeupException e) {
                // close() woke the consumer while this thread was not blocked in it (e.g. sampling); each
                // wake-up fires once, at the next blocking call, which was this commit: make it again.
                if (running.get() || attempt == MAX_COMMIT_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    private void drain() {
        try {
            commitEverythingAcknowledged();
        } catch (RuntimeException e) {
            log.warn(
                    "Generator {} could not commit its last outputs ({}); they will be re-sampled on restart",
                    config.generatorId(),
                    e.toString());
        }
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
        } else if (thread.getState() == Thread.State.NEW) {
            consumer.close();
            ServingPolicy last = serving;
            if (last != null) {
                last.close();
            }
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            int released;
            try {
                commitEverythingAcknowledged();
            } finally {
                released = pending.release(partitions);
                assigned = consumer.assignment().size() - partitions.size();
            }
            log.info(
                    "Generator {} gave up {} ({} waiting prompts released uncommitted)",
                    config.generatorId(),
                    partitions,
                    released);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (paused) {
                consumer.pause(partitions); // newly assigned partitions wait too
            }
            assigned = consumer.assignment().size();
            if (!partitions.isEmpty()) {
                log.info("Generator {} assigned {}", config.generatorId(), partitions);
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            acknowledged.keySet().removeAll(partitions); // no longer ours to commit; the new owner re-reads them
            int released = pending.release(partitions);
            assigned = consumer.assignment().size();
            log.warn("Generator {} lost {} ({} waiting prompts released)", config.generatorId(), partitions, released);
        }
    }
}
