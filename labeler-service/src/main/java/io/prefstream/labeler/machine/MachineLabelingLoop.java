package io.prefstream.labeler.machine;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.prefstream.platform.consumer.ConsumerLoop;
import io.prefstream.platform.consumer.LoopControl;
import io.prefstream.platform.consumer.RecordProcessor;
import io.prefstream.platform.kafka.TopicProducer;
import io.prefstream.platform.metrics.HealthStatus;
import io.prefstream.schemas.Label;
import io.prefstream.schemas.Rollout;
import io.prefstream.schemas.serde.RecordDecodingException;
import io.prefstream.schemas.topics.TopicCodec;
import io.prefstream.schemas.topics.Topics;
import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One machine labeler at work: consumes {@code prefstream.rollouts} in group
 * {@code prefstream-labeler-<kind>}, scores rollouts in batches ({@link BatchScorer}) and writes
 * one {@link Label} per rollout to {@code prefstream.labels}, keyed by rollout id. Offsets are
 * committed only once each rollout's label, or its dead letter, is acknowledged (at-least-once;
 * the label id is a function of kind, labeler, version and rollout id, so a replayed label is a
 * duplicate the join ignores). An undecodable rollout goes to the dead-letter topic as
 * {@code undecodable}, a rollout that cannot be scored with its {@link LabelingException#reason()}.
 * While the labeler is {@linkplain MachineLabeler#unavailable() unavailable} (open circuit
 * breaker) consumption pauses instead of dead-lettering everything. Polling, commits and dead
 * letters are the platform's {@link ConsumerLoop} ({@link io.prefstream.platform.consumer.CommitPolicy#AFTER_EACH_POLL}).
 */
public final class MachineLabelingLoop implements AutoCloseable, RecordProcessor {

    /** Counter of labels written, tag {@code kind} (Prometheus {@code prefstream_labeler_labels_total}). */
    public static final String LABELS_COUNTER = "prefstream.labeler.labels";

    private final MachineLabeler labeler;
    private final BatchScorer scorer;
    private final TopicProducer producer;
    private final TopicCodec<Rollout> rollouts;
    private final Counter labelsWritten;
    private final ConsumerLoop loop;

    /**
     * @param source     the loop's consumer and dead-letter publisher ({@link ConsumerLoop#builder()}); the
     *                   labeler sets the topic, service name, processor and back-pressure
     * @param producer   idempotent producer for labels, owned by the caller
     */
    public MachineLabelingLoop(
            MachineLabeler labeler,
            int batchSize,
            Duration linger,
            ConsumerLoop.Builder source,
            TopicProducer producer,
            MeterRegistry meters) {
        this.labeler = labeler;
        this.scorer = new BatchScorer(labeler, batchSize, linger);
        this.producer = producer;
        this.rollouts = producer.codec(Topics.ROLLOUTS);
        this.labelsWritten = Counter.builder(LABELS_COUNTER)
                .description("Labels written to prefstream.labels")
                .tag("kind", labeler.kind().labelKind().name())
                .register(meters);
        this.loop = source.topics(Topics.ROLLOUTS.name())
                .processor(this)
                .service(labeler.kind().consumerGroup())
                .pauseWhen(labeler::unavailable)
                .registry(meters)
                .build();
    }

    public MachineLabelingLoop start() {
        loop.start();
        return this;
    }

    public MachineLabeler labeler() {
        return labeler;
    }

    public HealthStatus health() {
        var status = loop.health();
        return labeler.unavailable()
                ? HealthStatus.up(
                        status.detail() + "; " + labeler.kind().id() + " unavailable (circuit breaker open), paused")
                : status;
    }

    /** Commits made so far: one per polled batch whose labels (or dead letters) were all acknowledged. */
    public long commits() {
        return loop.commits();
    }

    /** The label for {@code rollout}; its id is stable across redeliveries. */
    public static Label label(MachineLabeler labeler, Rollout rollout, double[] scores, long nowMs) {
        String labelerId = labeler.labelerId(rollout);
        String labelId = UUID.nameUUIDFromBytes(("label:" + labeler.kind().labelKind() + ":" + labelerId + ":"
                                + labeler.version() + ":" + rollout.getId())
                        .getBytes(UTF_8))
                .toString();
        return new Label(
                labelId,
                rollout.getId(),
                null,
                labelerId,
                labeler.kind().labelKind(),
                Arrays.stream(scores).boxed().toList(),
                null,
                null,
                null,
                null,
                labeler.version(),
                nowMs);
    }

    /** Scores the rollout (batched) and writes its label; a scoring failure dead-letters it with its reason. */
    @Override
    public CompletableFuture<?> process(ConsumerRecord<byte[], byte[]> record, LoopControl control) {
        Rollout rollout = rollouts.decode(record);
        if (rollout == null) {
            throw new RecordDecodingException(
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    "null value (tombstone) where a Rollout was expected",
                    null);
        }
        return scorer.submit(rollout).thenCompose(scores -> {
            var label = label(labeler, rollout, scores, System.currentTimeMillis());
            return producer.send(Topics.LABELS, rollout.getId(), label).thenRun(labelsWritten::increment);
        });
    }

    @Override
    public void close() {
        loop.close();
        scorer.close();
        labeler.close();
    }
}
