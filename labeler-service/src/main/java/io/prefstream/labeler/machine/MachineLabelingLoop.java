package io.prefstream.labeler.machine;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.prefstream.platform.deadletter.DeadLetterPublisher;
import io.prefstream.platform.deadletter.ResilientConsumerLoop;
import io.prefstream.platform.metrics.HealthStatus;
import io.prefstream.platform.topics.Topics;
import io.prefstream.schemas.Label;
import io.prefstream.schemas.Rollout;
import io.prefstream.schemas.registry.SchemaRegistryClient;
import io.prefstream.schemas.serde.AvroDecoder;
import io.prefstream.schemas.serde.AvroEncoder;
import io.prefstream.schemas.serde.RecordDecodingException;
import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * One machine labeler at work: consumes {@code prefstream.rollouts} in group
 * {@code prefstream-labeler-<kind>}, scores rollouts in batches ({@link BatchScorer}) and writes
 * one {@link Label} per rollout to {@code prefstream.labels}, keyed by rollout id. Offsets are
 * committed only once each rollout's label, or its dead letter, is acknowledged (at-least-once;
 * the label id is a function of kind, labeler, version and rollout id, so a replayed label is a
 * duplicate the join ignores). An undecodable rollout goes to the dead-letter topic as
 * {@code undecodable}, a rollout that cannot be scored with its {@link LabelingException#reason()}.
 * While the labeler is {@linkplain MachineLabeler#unavailable() unavailable} (open circuit
 * breaker) consumption pauses instead of dead-lettering everything.
 */
public final class MachineLabelingLoop implements AutoCloseable {

    /** Counter of labels written, tag {@code kind} (Prometheus {@code prefstream_labeler_labels_total}). */
    public static final String LABELS_COUNTER = "prefstream.labeler.labels";

    private final MachineLabeler labeler;
    private final BatchScorer scorer;
    private final Producer<byte[], byte[]> producer;
    private final DeadLetterPublisher deadLetters;
    private final AvroDecoder<Rollout> decoder;
    private final AvroEncoder<Label> encoder;
    private final Counter labelsWritten;
    private final String service;
    private final ResilientConsumerLoop loop;

    /**
     * @param consumer   a consumer in the labeler's group, owned by the loop from now on
     * @param producer   idempotent producer for labels, owned by the caller
     */
    public MachineLabelingLoop(
            MachineLabeler labeler,
            int batchSize,
            Duration linger,
            Consumer<byte[], byte[]> consumer,
            Producer<byte[], byte[]> producer,
            DeadLetterPublisher deadLetters,
            SchemaRegistryClient registry,
            MeterRegistry meters) {
        this.labeler = labeler;
        this.scorer = new BatchScorer(labeler, batchSize, linger);
        this.producer = producer;
        this.deadLetters = deadLetters;
        this.decoder = new AvroDecoder<>(Rollout.class, registry);
        this.encoder = new AvroEncoder<>(registry);
        this.labelsWritten = Counter.builder(LABELS_COUNTER)
                .description("Labels written to prefstream.labels")
                .tag("kind", labeler.kind().labelKind().name())
                .register(meters);
        this.service = labeler.kind().consumerGroup();
        this.loop = ResilientConsumerLoop.builder()
                .consumer(consumer)
                .topics(Topics.ROLLOUTS.name())
                .handler(this::handle)
                .deadLetters(deadLetters)
                .service(service)
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

    public long committedBatches() {
        return loop.committedBatches();
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

    private Future<?> handle(ConsumerRecord<byte[], byte[]> record) {
        Rollout rollout;
        try {
            rollout = decoder.decode(record);
        } catch (RecordDecodingException e) {
            return deadLetters.send(record, service, "undecodable", e);
        }
        if (rollout == null) {
            return deadLetters.send(
                    record,
                    service,
                    "undecodable",
                    new RecordDecodingException(
                            record.topic(),
                            record.partition(),
                            record.offset(),
                            "null value (tombstone) where a Rollout was expected",
                            null));
        }
        CompletableFuture<Future<RecordMetadata>> sent = scorer.submit(rollout).thenApply(scores -> {
            var label = label(labeler, rollout, scores, System.currentTimeMillis());
            byte[] value = encoder.encode(Topics.LABELS.name(), label);
            return producer.send(
                    new ProducerRecord<>(Topics.LABELS.name(), rollout.getId().getBytes(UTF_8), value),
                    (metadata, error) -> {
                        if (error == null) {
                            labelsWritten.increment();
                        }
                    });
        });
        return new Outcome(record, sent);
    }

    /**
     * Completes when the label is acknowledged; a scoring failure is turned into a dead letter on the
     * consumer thread (inside {@link #get()}), so the batch commit waits for it too.
     */
    private final class Outcome implements Future<Object> {
        private final ConsumerRecord<byte[], byte[]> record;
        private final CompletableFuture<Future<RecordMetadata>> sent;

        Outcome(ConsumerRecord<byte[], byte[]> record, CompletableFuture<Future<RecordMetadata>> sent) {
            this.record = record;
            this.sent = sent;
        }

        @Override
        public Object get() throws InterruptedException, ExecutionException {
            Future<RecordMetadata> ack;
            try {
                ack = sent.get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof LabelingException failure) {
                    return deadLetters
                            .send(record, service, failure.reason(), failure)
                            .get();
                }
                throw e;
            }
            return ack.get();
        }

        @Override
        public Object get(long timeout, TimeUnit unit)
                throws InterruptedException, ExecutionException, TimeoutException {
            sent.get(timeout, unit); // bounds the wait for scoring; the sends below are bounded by the producer
            return get();
        }

        @Override
        public boolean cancel(boolean mayInterrupt) {
            return false;
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public boolean isDone() {
            return sent.isDone()
                    && !sent.isCompletedExceptionally()
                    && sent.join().isDone();
        }
    }

    @Override
    public void close() {
        loop.close();
        scorer.close();
        labeler.close();
    }
}
