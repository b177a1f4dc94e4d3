package io.prefstream.trainer.loop;

import ai.djl.Device;
import io.micrometer.core.instrument.MeterRegistry;
import io.prefstream.model.checkpoint.CheckpointException;
import io.prefstream.model.checkpoint.Checkpoints;
import io.prefstream.model.hf.HuggingFace;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.train.AdamW;
import io.prefstream.model.train.AdamWOptions;
import io.prefstream.model.train.WarmupCosine;
import io.prefstream.platform.config.LoopMode;
import io.prefstream.platform.consumer.CommitPolicy;
import io.prefstream.platform.consumer.ConsumerLoop;
import io.prefstream.platform.consumer.FatalProcessingException;
import io.prefstream.platform.consumer.LoopControl;
import io.prefstream.platform.consumer.RecordProcessor;
import io.prefstream.platform.deadletter.DeadLetterPublisher;
import io.prefstream.platform.kafka.KafkaClients;
import io.prefstream.platform.kafka.TopicProducer;
import io.prefstream.schemas.MetricsKind;
import io.prefstream.schemas.TrainingBatch;
import io.prefstream.schemas.registry.SchemaRegistryClient;
import io.prefstream.schemas.serde.RecordDecodingException;
import io.prefstream.schemas.topics.TopicCodec;
import io.prefstream.schemas.topics.Topics;
import io.prefstream.trainer.TrainerConfig;
import io.prefstream.trainer.TrainerSettings;
import io.prefstream.trainer.TrainerStatus;
import io.prefstream.trainer.objective.PairSelector;
import io.prefstream.trainer.objective.PreferenceObjective;
import io.prefstream.trainer.objective.ReferenceMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training loop: the single consumer of {@code prefstream.training-batches}, one optimisation
 * step per batch, on its own thread.
 *
 * <p>Exact resume. The position is part of the model: every checkpoint stores, next to weights and
 * AdamW state, the offset and sequence of the last consumed batch ({@link TrainerState}). Order at a
 * checkpoint: write it atomically → publish its {@code PolicyUpdate} and wait for the ack (when it
 * is published) → commit {@code offset + 1} in group {@code trainer.group-id} → prune. On start the
 * latest checkpoint is loaded and the consumer seeks to the offset after its last batch, so a
 * trainer killed at any moment retrains exactly the batches after its last checkpoint (which no
 * checkpoint ever contained) and skips none. A checkpoint whose policy update was lost to a crash
 * is published on start.
 *
 * <p>A batch that cannot be trained (undecodable, invalid, non-finite loss or gradient) is
 * dead-lettered with its reason and counted as consumed; the weights never see it. A valid batch
 * none of whose items yields an objective input (every online group tied, say) carries no signal:
 * it is skipped, not dead-lettered (replaying it would yield nothing either), and counted: consumed
 * without a step, listed in the checkpoint's {@code skipped}, the counter
 * {@code prefstream.trainer.batches.skipped}, and {@code batches_skipped} in the next step's TRAIN
 * metrics, whose additive counts ({@code online_rollouts}, {@code online_labels},
 * {@code groups_without_pair}, {@code dropped_<reason>}, ...) include the skipped batches' (TRAIN
 * metrics stay one record per step, and the labels a skipped batch paid for are still counted).
 *
 * <p>Versions: the reference π_ref is published as version 0 when the trainer starts without a
 * checkpoint of its own; every later publication increments the version. In streaming mode every
 * checkpoint is published; in iterative mode only iteration boundaries are (with
 * {@code reference=refresh}, π_ref becomes the policy there).
 */
public final class TrainingLoop implements AutoCloseable, RecordProcessor {

    private static final Logger log = LoggerFactory.getLogger(TrainingLoop.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private final TrainerConfig config;
    private final KafkaClients clients;
    private final SchemaRegistryClient registry;
    private final TopicPartition partition = new TopicPartition(Topics.TRAINING_BATCHES.name(), 0);
    private final CheckpointStore store;
    private final TopicProducer producer;
    private final PolicyPublisher publisher;
    private final DeadLetterPublisher deadLetters;
    private final TrainerMeters meters;
    private final TopicCodec<TrainingBatch> batches;
    private final PreferenceObjective objective;
    private final WarmupCosine schedule;
    private final List<Consumer<CheckpointEvent>> listeners = new CopyOnWriteArrayList<>();
    private final CompletableFuture<TrainerStatus> done = new CompletableFuture<>();
    private final Object progress = new Object();

    private ConsumerLoop loop;
    private CausalLm policy;
    private CausalLm initialReference;
    private ReferenceScorer reference;
    private AdamW optimizer;
    private TrainingStep trainingStep;
    private Evaluation evaluation;
    private boolean freshStart;
    private boolean firstTurn = true;

    // position and progress, written by the loop thread only
    private long step;
    private long version;
    private long publishedStep;
    private long lastOffset = -1;
    private long lastSequence = -1;
    /** {@code online_accounted} of the last consumed batch that carried it; reported on policy updates. */
    private Map<String, Long> onlineAccounted;

    private long referenceStep = -1;
    private String referenceSha;
    private long lastCheckpointStep = -1;
    private long lastEvalStep = -1;
    private final List<Long> segment = new ArrayList<>();
    private final List<Long> deadLettered = new ArrayList<>();
    private final List<Long> skipped = new ArrayList<>();
    /** Counts of the batches skipped since the last step, reported with the next step's metrics. */
    private final Map<String, Double> skippedSinceStep = new java.util.TreeMap<>();

    private volatile TrainerStatus status;
    private Map<String, Double> lastTrain = Map.of();
    private Map<String, Double> lastEval = Map.of();

    public TrainingLoop(
            TrainerConfig config, KafkaClients clients, SchemaRegistryClient registry, MeterRegistry meterRegistry) {
        this.config = config;
        this.clients = clients;
        this.registry = registry;
        this.store =
                new CheckpointStore(config.checkpointDir(), config.checkpointRetention(), config.exportHuggingFace());
        this.producer = clients.topicProducer(registry);
        this.publisher = new PolicyPublisher(producer, config.policyName());
        this.deadLetters = new DeadLetterPublisher(producer, meterRegistry);
        this.meters = new TrainerMeters(meterRegistry, config.policyName());
        this.batches = producer.codec(Topics.TRAINING_BATCHES);
        this.objective = config.preferenceObjective();
        this.schedule = config.lrSchedule() == TrainerSettings.LrSchedule.COSINE
                ? new WarmupCosine(
                        config.lr(),
                        config.warmupSteps(),
                        (int) Math.min(Integer.MAX_VALUE, config.maxSteps()),
                        config.minLrRatio())
                : new WarmupCosine(config.lr(), config.warmupSteps(), config.warmupSteps() + 1, 1.0);
        this.status = snapshot(TrainerStatus.Phase.STARTING, "");
    }

    /** Called with every durable checkpoint, on the loop thread, before training goes on. */
    public void addCheckpointListener(Consumer<CheckpointEvent> listener) {
        listeners.add(listener);
    }

    /**
     * Loads the latest checkpoint (or initialises from π_ref and writes checkpoint 0), makes sure
     * its policy is published, and positions the consumer. Runs on the caller's thread.
     *
     * @throws CheckpointException when π_ref or a checkpoint cannot be loaded or do not belong together
     * @throws IllegalStateException when policy-updates already holds a newer version of this policy
     */
    public void initialise() {
        Device device = config.device().resolve();
        if (!Files.isRegularFile(config.referenceDir().resolve(Checkpoints.MANIFEST))
                && !HuggingFace.isModelFolder(config.referenceDir())) {
            throw new CheckpointException("no reference policy at " + config.referenceDir() + " (expected "
                    + Checkpoints.MANIFEST + ", or config.json + model.safetensors of a Hugging Face model folder, "
                    + "there): train one with 'prefstream sft' or point " + TrainerSettings.REFERENCE_DIR.key()
                    + " (--policy) at it");
        }
        initialReference = Checkpoints.loadPolicy(config.referenceDir(), device);
        referenceSha = Checkpoints.readManifest(config.referenceDir()).weightsSha256();
        Optional<CheckpointStore.Entry> latest = store.latest();
        if (latest.isPresent()) {
            resume(latest.get(), device);
        } else {
            freshStart = true;
            policy = initialReference.frozenCopy();
            optimizer = new AdamW(policy.parameters(), adamW());
            reference = new ReferenceScorer(referenceFrom(initialReference), config.refCacheSize());
            store.save(policy, optimizer, TrainerState.initial(referenceSha));
            lastCheckpointStep = 0;
            log.info(
                    "No checkpoint in {}: policy {} starts from pi_ref {} (sha256 {})",
                    store.root(),
                    config.policyName(),
                    config.referenceDir(),
                    referenceSha);
        }
        policy.setTrainable(true);
        var plan = new ScoringPlan.Options(
                policy.tokenizer(),
                policy.config().maxSeqLen(),
                BatchRouting.of(objective),
                PairSelector.of(config.objectiveParams()),
                config.rewardKinds(),
                config.temperature(),
                config.objectiveParams().reference() == ReferenceMode.FIXED && config.temperature() == 1.0);
        trainingStep = new TrainingStep(policy, reference, optimizer, objective, plan);
        evaluation = new Evaluation(
                config.createTask(),
                initialReference,
                config.evalPrompts(),
                config.evalTemperature(),
                config.evalSeed(),
                config.evalRewardModel() == null
                        ? null
                        : io.prefstream.model.checkpoint.Checkpoints.loadReward(config.evalRewardModel(), device));
        ensurePublished();
        meters.set("step", step);
        meters.set("policy_version", version);
        loop = ConsumerLoop.builder()
                .group(clients, config.groupId())
                .assign(List.of(partition), this::seek)
                .commitPolicy(CommitPolicy.ON_REQUEST) // the position lives in the checkpoints
                .processor(this)
                .deadLetters(deadLetters)
                .service(config.common().serviceId() + "-trainer")
                .threadName("prefstream-trainer-" + config.policyName())
                .pollTimeout(POLL)
                .build();
    }

    /** π_ref itself when it stays fixed; a copy when refreshes will overwrite it (evaluation keeps π_0). */
    private CausalLm referenceFrom(CausalLm initial) {
        return config.objectiveParams().reference() == ReferenceMode.REFRESH ? initial.frozenCopy() : initial;
    }

    private AdamWOptions adamW() {
        return AdamWOptions.defaults().withWeightDecay(config.weightDecay()).withMaxGradNorm(config.maxGradNorm());
    }

    private void resume(CheckpointStore.Entry entry, Device device) {
        TrainerState s = entry.state();
        if (!s.referenceSha256().equalsIgnoreCase(referenceSha)) {
            throw new CheckpointException("checkpoint " + entry.dir() + " was trained against pi_ref with weights "
                    + "sha256 " + s.referenceSha256() + " but " + config.referenceDir() + " holds " + referenceSha
                    + "; point " + TrainerSettings.REFERENCE_DIR.key() + " at the original reference or start a new "
                    + TrainerSettings.CHECKPOINT_DIR.key());
        }
        policy = Checkpoints.loadPolicy(entry.dir(), device, null, initialReference.config());
        optimizer = new AdamW(policy.parameters(), adamW());
        Checkpoints.loadOptimizer(entry.dir(), optimizer);
        CausalLm ref = s.referenceStep() < 0
                ? referenceFrom(initialReference)
                : Checkpoints.loadPolicy(store.dirOf(s.referenceStep()), device);
        reference = new ReferenceScorer(ref, config.refCacheSize());
        step = s.step();
        version = s.policyVersion();
        publishedStep = s.publishedStep();
        lastOffset = s.batchOffset();
        lastSequence = s.batchSequence();
        onlineAccounted = s.onlineAccounted();
        referenceStep = s.referenceStep();
        lastCheckpointStep = step;
        log.info(
                "Resuming policy {} from {}: step {}, version {}, after batch offset {} (sequence {})",
                config.policyName(),
                entry.dir(),
                step,
                version,
                lastOffset,
                lastSequence);
    }

    /** Publishes the checkpoint of the current version when policy-updates lacks it (first start, or a crash in between). */
    private void ensurePublished() {
        OptionalLong published = publisher.latestPublished(clients);
        if (published.isPresent() && published.getAsLong() > version) {
            throw new IllegalStateException("policy-updates already holds version " + published.getAsLong()
                    + " of policy '" + config.policyName() + "' but the checkpoints in " + store.root()
                    + " reach only version " + version + ": another trainer publishes this policy, or its checkpoint "
                    + "directory was replaced. Use a new " + TrainerSettings.POLICY_NAME.key()
                    + " or restore the checkpoint directory.");
        }
        if (published.isEmpty() || published.getAsLong() < version) {
            Path dir = store.dirOf(publishedStep);
            var manifest = Checkpoints.readManifest(dir);
            var entry = new CheckpointStore.Entry(
                    dir, manifest, TrainerState.fromMetadata(manifest.metadata(), dir.toString()));
            publisher.publish(entry, version, Map.of());
        }
    }

    private void seek(org.apache.kafka.clients.consumer.Consumer<?, ?> consumer) {
        if (lastOffset >= 0) {
            consumer.seek(partition, lastOffset + 1);
            return;
        }
        OffsetAndMetadata committed = consumer.committed(Set.of(partition)).get(partition);
        if (committed != null) {
            log.warn(
                    "No batch consumed in checkpoints of {}; continuing at the committed offset {} of group {}",
                    store.root(),
                    committed.offset(),
                    config.groupId());
            consumer.seek(partition, committed.offset());
        } else {
            consumer.seekToBeginning(List.of(partition));
        }
    }

    /** Starts the loop thread; {@link #initialise()} must have run. */
    public synchronized void start() {
        if (loop == null) {
            throw new IllegalStateException("initialise() the training loop before starting it");
        }
        loop.start();
        status = snapshot(TrainerStatus.Phase.RUNNING, "");
    }

    /** The first turn evaluates π_ref (a fresh start); every turn records the input lag. A failure here stops the trainer. */
    @Override
    public Duration beforePoll(Duration pollTimeout, LoopControl control) {
        if (firstTurn) {
            firstTurn = false;
            if (freshStart && config.evalEvery() > 0) {
                evaluate();
            }
        }
        meters.set("input_lag", control.inputLag());
        if (maxStepsReached()) { // resumed at trainer.max-steps: nothing left to train
            finish(control);
            control.stop();
            return Duration.ZERO;
        }
        return pollTimeout;
    }

    /**
     * One optimisation step on the batch (or its dead letter); at {@code trainer.max-steps} the final
     * checkpoint and evaluation, then the loop stops. Anything but a bad batch stops the trainer.
     */
    @Override
    public CompletableFuture<?> process(ConsumerRecord<byte[], byte[]> record, LoopControl control) {
        try {
            handle(record, control);
            if (maxStepsReached()) {
                finish(control);
                control.stop();
            }
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            throw e; // close() woke a checkpoint's commit: the loop stops, it did not fail
        } catch (RuntimeException e) {
            throw new FatalProcessingException(e);
        }
        return CompletableFuture.completedFuture(null);
    }

    /** The loop ended: stopped (closed), or failed. */
    @Override
    public void stopped() {
        Throwable failure = loop.failure().orElse(null);
        if (failure != null) {
            Throwable cause = failure instanceof FatalProcessingException && failure.getCause() != null
                    ? failure.getCause()
                    : failure;
            log.error(
                    "Training loop of policy {} failed at step {}: {}",
                    config.policyName(),
                    step,
                    cause.toString(),
                    cause);
            setStatus(TrainerStatus.Phase.FAILED, cause.toString());
            done.completeExceptionally(cause);
        } else if (!done.isDone()) {
            setStatus(TrainerStatus.Phase.STOPPED, "");
            done.complete(status);
        }
    }

    private boolean maxStepsReached() {
        return config.maxSteps() > 0 && step >= config.maxSteps();
    }

    private void handle(ConsumerRecord<byte[], byte[]> record, LoopControl control) {
        TrainingBatch batch;
        try {
            batch = batches.decode(record);
        } catch (RecordDecodingException e) {
            deadLetter(record, ConsumerLoop.UNDECODABLE, e, -1, control);
            return;
        }
        if (batch.getOnlineAccounted() != null) {
            synchronized (progress) {
                onlineAccounted = batch.getOnlineAccounted();
            }
        }
        if (lastSequence >= 0 && batch.getSequence() != lastSequence + 1) {
            log.warn(
                    "Batch sequence {} at offset {} follows {}: the batcher's output has a {}",
                    batch.getSequence(),
                    record.offset(),
                    lastSequence,
                    batch.getSequence() > lastSequence ? "gap" : "replay");
        }
        long started = System.nanoTime();
        TrainingStep.Outcome outcome;
        try {
            outcome = trainingStep.run(batch, schedule.lr(step));
        } catch (BatchRejectedException e) {
            deadLetter(record, e.reason(), e, batch.getSequence(), control);
            return;
        }
        if (!outcome.trained()) {
            skip(record, batch, outcome);
            return;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        synchronized (progress) {
            step++;
            lastOffset = record.offset();
            lastSequence = batch.getSequence();
            segment.add(batch.getSequence());
        }
        double[] rates = meters.step(took, outcome.items(), outcome.metrics());
        var metrics = new LinkedHashMap<>(outcome.metrics());
        metrics.put("batches_skipped", 0.0);
        skippedSinceStep.forEach((k, v) -> metrics.merge(k, v, Double::sum));
        skippedSinceStep.clear();
        metrics.put("step", (double) step);
        metrics.put("policy_version", (double) version);
        metrics.put("pairs_per_s", rates[1]);
        metrics.put("steps_per_s", rates[0]);
        metrics.put("step_seconds", took.toNanos() / 1e9);
        metrics.put("batch_sequence", (double) batch.getSequence());
        metrics.put("ref_cache_hit_rate", reference.hitRate());
        if (batch.getMinPolicyVersion() != null) {
            metrics.put("staleness", (double) (version - batch.getMinPolicyVersion()));
        }
        lastTrain = Map.copyOf(metrics);
        meters.set("step", step);
        if (step % config.metricsEvery() == 0) {
            publisher.metrics(MetricsKind.TRAIN, step, version, metrics);
        }
        log.debug(
                "Step {} on batch {} (offset {}): loss {}",
                step,
                batch.getBatchId(),
                record.offset(),
                metrics.get("loss"));
        boolean boundary = config.mode() == LoopMode.ITERATIVE && step % config.stepsPerIteration() == 0;
        if (step % config.checkpointEvery() == 0 || boundary) {
            checkpoint(
                    config.mode() == LoopMode.STREAMING || boundary,
                    boundary && config.objectiveParams().reference() == ReferenceMode.REFRESH,
                    control);
        }
        if (config.evalEvery() > 0 && step % config.evalEvery() == 0) {
            evaluate();
        }
        setStatus(TrainerStatus.Phase.RUNNING, "");
    }

    /**
     * Consumes a batch that yielded no input without a step: the next checkpoint records the position
     * past it, and the next step's metrics count it ({@code batches_skipped}, its {@code dropped_*}).
     */
    private void skip(ConsumerRecord<byte[], byte[]> record, TrainingBatch batch, TrainingStep.Outcome outcome) {
        synchronized (progress) {
            lastOffset = record.offset();
            lastSequence = batch.getSequence();
            skipped.add(batch.getSequence());
        }
        meters.skipped();
        skippedSinceStep.merge("batches_skipped", 1.0, Double::sum);
        // the plan's counts are additive (rollouts, labels paid for, drops); a mean is not
        outcome.metrics().forEach((k, v) -> {
            if (!k.equals("label_reward_mean")) {
                skippedSinceStep.merge(k, v, Double::sum);
            }
        });
        log.info(
                "Batch {} (sequence {}, offset {}) skipped: none of its {} items yields an input of objective {} "
                        + "({})",
                batch.getBatchId(),
                batch.getSequence(),
                record.offset(),
                outcome.items(),
                objective.name(),
                outcome.metrics());
        setStatus(TrainerStatus.Phase.RUNNING, "");
    }

    /** Dead-letters a batch and waits for the ack: the next checkpoint records the position past it. */
    private void deadLetter(
            ConsumerRecord<byte[], byte[]> record, String reason, Exception error, long sequence, LoopControl control) {
        control.deadLetter(record, reason, error);
        synchronized (progress) {
            lastOffset = record.offset();
            if (sequence >= 0) {
                lastSequence = sequence;
            }
            deadLettered.add(sequence);
        }
        setStatus(TrainerStatus.Phase.RUNNING, "");
    }

    /** Writes a checkpoint, publishes it when asked, commits the position, prunes, notifies listeners. */
    private void checkpoint(boolean publish, boolean refreshReference, LoopControl control) {
        long newVersion = publish ? version + 1 : version;
        long newPublishedStep = publish ? step : publishedStep;
        long newReferenceStep = refreshReference ? step : referenceStep;
        var state = new TrainerState(
                step,
                newVersion,
                newPublishedStep,
                lastOffset,
                lastSequence,
                newReferenceStep,
                referenceSha,
                segment,
                deadLettered,
                skipped,
                onlineAccounted);
        CheckpointStore.Entry entry = store.save(policy, optimizer, state);
        if (publish) {
            publisher.publish(entry, newVersion, lastTrain);
        }
        synchronized (progress) {
            version = newVersion;
            publishedStep = newPublishedStep;
            referenceStep = newReferenceStep;
            lastCheckpointStep = step;
            segment.clear();
            deadLettered.clear();
            skipped.clear();
        }
        meters.set("policy_version", version);
        if (refreshReference) {
            reference.refresh(policy);
            log.info("pi_ref refreshed to the policy at step {}", step);
        }
        if (lastOffset >= 0) {
            control.commit(Map.of(partition, new OffsetAndMetadata(lastOffset + 1, "step " + step)));
        }
        Set<Long> keep = new HashSet<>(Set.of(publishedStep));
        if (referenceStep >= 0) {
            keep.add(referenceStep);
        }
        store.prune(keep);
        var event = new CheckpointEvent(entry.dir(), state, publish);
        for (Consumer<CheckpointEvent> listener : listeners) {
            listener.accept(event);
        }
    }

    private void evaluate() {
        Map<String, Double> m = new LinkedHashMap<>(evaluation.run(policy));
        m.put("step", (double) step);
        m.put("policy_version", (double) version);
        lastEval = Map.copyOf(m);
        lastEvalStep = step;
        meters.set("eval_gold_reward", m.get("gold_reward"));
        meters.set("eval_win_rate", m.get("win_rate"));
        publisher.metrics(MetricsKind.EVAL, step, version, m);
        log.info(
                "Eval of policy {} at step {} (version {}): gold reward {}, accuracy {}, win rate {}, KL seq {}, "
                        + "KL token {}, mean length {}",
                config.policyName(),
                step,
                version,
                fmt(m.get("gold_reward")),
                fmt(m.get("accuracy")),
                fmt(m.get("win_rate")),
                fmt(m.get("kl_seq")),
                fmt(m.get("kl_token")),
                fmt(m.get("mean_length")));
    }

    /** max-steps reached: final checkpoint and publication, final evaluation, done. */
    private void finish(LoopControl control) {
        if (lastCheckpointStep != step || publishedStep != step) {
            checkpoint(true, false, control);
        }
        if (lastEvalStep != step) {
            evaluate();
        }
        publisher.flush();
        setStatus(TrainerStatus.Phase.DONE, "");
        log.info(
                "Policy {} reached trainer.max-steps={} at version {}",
                config.policyName(),
                config.maxSteps(),
                version);
        done.complete(status);
    }

    private static String fmt(Double v) {
        return v == null ? "-" : String.format("%.4f", v);
    }

    private void setStatus(TrainerStatus.Phase phase, String failure) {
        status = snapshot(phase, failure);
        synchronized (progress) {
            progress.notifyAll();
        }
    }

    private TrainerStatus snapshot(TrainerStatus.Phase phase, String failure) {
        return new TrainerStatus(
                phase,
                step,
                version,
                lastSequence,
                lastTrain.getOrDefault("steps_per_s", Double.NaN),
                lastTrain.getOrDefault("pairs_per_s", Double.NaN),
                lastTrain,
                lastEval,
                failure);
    }

    public TrainerStatus status() {
        return status;
    }

    /** Completes when max-steps is reached (after the final checkpoint and eval), or when the loop stops or fails. */
    public CompletableFuture<TrainerStatus> done() {
        return done;
    }

    /** Waits until at least {@code steps} steps were applied or the loop ended; returns whether the steps were reached. */
    public boolean awaitSteps(long steps, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (progress) {
            while (status.step() < steps && !done.isDone()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                progress.wait(Math.max(1, left / 1_000_000));
            }
        }
        return status.step() >= steps;
    }

    /** Whether the loop thread is alive and has not failed. */
    public boolean healthy() {
        return status.phase() != TrainerStatus.Phase.FAILED
                && (loop == null
                        || !loop.started()
                        || loop.isRunning()
                        || done.isDone() && !done.isCompletedExceptionally());
    }

    /** Stops the loop (without a checkpoint: work since the last one is redone after a restart) and frees everything. */
    @Override
    public void close() {
        if (loop != null) {
            loop.close();
        }
        producer.close(Duration.ofSeconds(10));
        if (optimizer != null) {
            optimizer.close();
        }
        if (reference != null && reference.model() != initialReference) {
            reference.model().close();
        }
        if (policy != null) {
            policy.close();
        }
        if (initialReference != null) {
            initialReference.close();
        }
        if (evaluation != null) {
            evaluation.close();
        }
        if (!done.isDone()) {
            setStatus(TrainerStatus.Phase.STOPPED, "");
            done.complete(status);
        }
    }
}
