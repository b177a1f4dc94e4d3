package io.prefstream.generator;

import io.prefstream.generator.AdmissionControl.Admission;
import io.prefstream.generator.PendingPrompts.Entry;
import io.prefstream.platform.consumer.ConsumerLoop;
import io.prefstream.platform.consumer.LoopControl;
import io.prefstream.platform.consumer.RecordProcessor;
import io.prefstream.platform.kafka.TopicProducer;
import io.prefstream.schemas.Prompt;
import io.prefstream.schemas.Rollout;
import io.prefstream.schemas.topics.TopicCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The generator's work on its {@link ConsumerLoop}: gather prompts into a micro-batch, swap
 * policy, sample, produce.
 *
 * <p>Each turn, before polling: (1) take a pending {@link PolicyEvent}: a loaded version is swapped
 * in (and the old one closed), so a micro-batch is always sampled by one version; (2) ask the
 * {@link AdmissionControl}; closed pauses the consumer's assignment, open resumes it (transitions
 * logged once); (3) sample {@code min(B, quota)} waiting prompts when that many are waiting or the
 * oldest has waited {@code T} (and skip this turn's poll); else poll, at most until the oldest
 * waiting prompt's deadline. Rollouts are sent asynchronously in a Kafka transaction that commits
 * them together with their prompts' offsets every {@code generator.commit-interval-ms} (and on
 * revocation and close), so broker round trips overlap sampling and, after a crash, no reader sees a
 * rollout of a prompt that is sampled again (one prompt record, one rollout group). Undecodable or unsampleable prompts go to the
 * dead-letter topic with the reason; the loop goes on.
 */
final class GenerationLoop implements AutoCloseable, RecordProcessor {

    private static final Logger log = LoggerFactory.getLogger(GenerationLoop.class);

    private final GeneratorConfig config;
    private final TopicProducer producer;
    private final TopicCodec<Prompt> prompts;
    private final PolicyFollower follower;
    private final LongSupplier trainerBacklog;
    private final LongSupplier untrained;
    private final AdmissionControl admissionControl;
    private final RolloutSampler sampler;
    private final GeneratorMetrics metrics;
    private final PendingPrompts pending = new PendingPrompts();
    private final ConsumerLoop loop;

    private volatile ServingPolicy serving;
    private volatile long produced;
    private volatile Admission admission;

    /**
     * @param source the loop's consumer (in {@code generator.group-id}) and dead-letter publisher
     * @param producer idempotent producer for rollouts, owned by the caller
     */
    GenerationLoop(
            GeneratorConfig config,
            ConsumerLoop.Builder source,
            TopicProducer producer,
            PolicyFollower follower,
            LongSupplier trainerBacklog,
            LongSupplier untrained,
            GeneratorMetrics metrics,
            ServingPolicy initial) {
        this.config = config;
        this.producer = producer;
        this.prompts = producer.codec(config.topics().prompts());
        this.follower = follower;
        this.trainerBacklog = trainerBacklog;
        this.untrained = untrained;
        this.admissionControl = AdmissionControl.of(config);
        this.sampler = RolloutSampler.of(config);
        this.metrics = metrics;
        this.serving = initial;
        this.admission = admissionControl.admit(servingVersion(), 0, 0);
        this.loop = source.topics(config.topics().prompts().name())
                .processor(this)
                .service(config.common().serviceId())
                .threadName("prefstream-generator-" + config.generatorId())
                .pollTimeout(config.pollTimeout())
                .transactions(producer, config.commitInterval())
                .pauseWhen(() -> !admission.open())
                .registry(metrics.registry())
                .build();
        metrics.gauge(
                "prefstream.generator.policy.version",
                "Policy version being served, -1 before the first",
                this,
                l -> l.servingVersion());
        metrics.gauge(
                "prefstream.generator.paused",
                "1 while the generator is paused (admission control)",
                this,
                l -> l.paused() ? 1 : 0);
        metrics.gauge(
                "prefstream.generator.produced.this.version",
                "Rollouts since the last version event (P)",
                this,
                l -> l.produced);
        metrics.gauge(
                "prefstream.generator.ahead.versions",
                "Per-version budgets produced ahead of the trainer",
                this,
                l -> l.admissionControl.ahead(l.produced));
        metrics.gauge(
                "prefstream.generator.input.lag",
                "Prompt records of its partitions not yet fetched",
                this,
                l -> l.inputLag());
        metrics.gateState(() -> admission.code());
        metrics.gauge(
                "prefstream.generator.buffered", "Prompt records held between poll and commit", this, l -> l.held());
    }

    /** Starts the loop and returns once the consumer is subscribed. */
    void start() {
        loop.start();
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
        Admission a = admission;
        log.info("Generator {} {}: {}", config.generatorId(), a.open() ? "running" : "paused", a.reason());
        if (!a.open()) {
            metrics.pauseTransition(a.code());
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
        return loop.isPaused();
    }

    boolean started() {
        return loop.started();
    }

    boolean isRunning() {
        return loop.isRunning();
    }

    Throwable failure() {
        return loop.failure().orElse(null);
    }

    int assignedPartitions() {
        return loop.assignedPartitions();
    }

    int held() {
        return loop.held();
    }

    long inputLag() {
        return loop.inputLag();
    }

    @Override
    public Duration beforePoll(Duration pollTimeout, LoopControl control) {
        applyPolicyEvent();
        Admission a =
                admissionControl.admit(servingVersion(), produced, trainerBacklog.getAsLong(), untrained.getAsLong());
        admit(a);
        int want = (int) Math.min(config.batchSize(), a.quota());
        Duration timeout = pollTimeout;
        int waiting = pending.waitingCount();
        if (want > 0 && waiting > 0) {
            long waitedNanos = System.nanoTime() - pending.oldestWaitingNanos();
            long leftNanos = config.maxWait().toNanos() - waitedNanos;
            if (waiting >= want || leftNanos <= 0) {
                sampleBatch(want);
                return Duration.ZERO;
            }
            timeout = Duration.ofNanos(Math.min(timeout.toNanos(), leftNanos));
        }
        return timeout;
    }

    /** Holds the prompt for the next micro-batch; its offset waits until its rollout is acknowledged. */
    @Override
    public CompletableFuture<?> process(ConsumerRecord<byte[], byte[]> record, LoopControl control)
            throws InvalidPromptException {
        Prompt prompt = prompts.decode(record);
        if (prompt == null) {
            throw new InvalidPromptException(
                    InvalidPromptException.UNDECODABLE, "null value (tombstone): expected a Prompt");
        }
        return pending.add(record, prompt, System.nanoTime()).done;
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
                produced = 0; // the trainer has moved on; see AdmissionControl
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

    /** Records the gate's answer (the loop pauses while it is closed); logs and counts state transitions only. */
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
                e.fail(ex);
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
                    e.fail(new InvalidPromptException(
                            InvalidPromptException.SAMPLING_FAILED,
                            "sampling prompt " + e.prompt.getId() + " with policy version " + policy.version()
                                    + " failed: " + ex.getMessage(),
                            ex));
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
            entries.get(i)
                    .completeWith(producer.send(
                            config.topics().rollouts(), rollout.getPrompt().getId(), rollout));
            completions += rollout.getCompletions().size();
            for (var c : rollout.getCompletions()) {
                tokens += c.getLength();
            }
        }
        produced += rollouts.size();
        metrics.produced(rollouts.size(), completions, tokens);
    }

    @Override
    public void deadLettered(ConsumerRecord<byte[], byte[]> record, String reason) {
        metrics.deadLettered();
    }

    /** Rollouts in flight are acknowledged (or fail) before the final commit. */
    @Override
    public void draining() {
        producer.flush();
    }

    @Override
    public void released(Collection<TopicPartition> partitions) {
        int released = pending.release(partitions);
        log.info(
                "Generator {} released {} waiting prompts of {} uncommitted",
                config.generatorId(),
                released,
                partitions);
    }

    @Override
    public void stopped() {
        ServingPolicy last = serving;
        if (last != null) {
            last.close();
        }
        log.info("Generator {} stopped after {} rollouts", config.generatorId(), metrics.rollouts());
    }

    @Override
    public void close() {
        loop.close();
    }
}
