package io.prefstream.labeler.human;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.prefstream.labeler.machine.MachineLabelingLoop;
import io.prefstream.platform.kafka.TopicProducer;
import io.prefstream.schemas.Label;
import io.prefstream.schemas.LabelKind;
import io.prefstream.schemas.topics.Topics;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Turns a human's answer into a HUMAN {@link Label} and writes it to {@code prefstream.labels},
 * keyed by rollout id, returning only once the broker acknowledged it. The label id is
 * {@code UUIDv3("human:" request_id ":" labeler_id)}: one labeler, one label per request, whatever
 * the retries.
 */
public final class HumanLabelWriter {

    /** Version written into human labels: the labeling API's revision. */
    public static final String VERSION = "prefstream-labeling-api/1";

    private final TopicProducer producer;
    private final Duration ackTimeout;
    private final Counter written;

    public HumanLabelWriter(TopicProducer producer, Duration ackTimeout, MeterRegistry meters) {
        this.producer = producer;
        this.ackTimeout = ackTimeout;
        this.written = Counter.builder(MachineLabelingLoop.LABELS_COUNTER)
                .description("Labels written to prefstream.labels")
                .tag("kind", LabelKind.HUMAN.name())
                .register(meters);
    }

    /** The label for {@code choice} on {@code reservation}'s request. */
    public static Label label(
            RequestQueue.Reservation reservation, Choice choice, Double strength, String rationale, long nowMs) {
        var request = reservation.request();
        String labelId = UUID.nameUUIDFromBytes(
                        ("human:" + request.getRequestId() + ":" + reservation.labelerId()).getBytes(UTF_8))
                .toString();
        Long leadTime = reservation.shownAtMs() > 0 ? Math.max(0, nowMs - reservation.shownAtMs()) : null;
        return new Label(
                labelId,
                request.getRolloutId(),
                request.getRequestId(),
                reservation.labelerId(),
                LabelKind.HUMAN,
                null,
                choice.judgement(reservation.displayOrder(), strength),
                null,
                rationale,
                leadTime,
                VERSION,
                nowMs);
    }

    /**
     * Writes {@code label} and waits for the acknowledgement (blocking: call off the event loop).
     *
     * @throws LabelWriteException when the broker did not acknowledge it within the timeout
     */
    public void write(Label label) {
        try {
            producer.send(Topics.LABELS, label.getRolloutId(), label).get(ackTimeout.toMillis(), TimeUnit.MILLISECONDS);
            written.increment();
        } catch (ExecutionException e) {
            throw new LabelWriteException(
                    "Kafka refused label " + label.getLabelId() + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new LabelWriteException(
                    "Kafka did not acknowledge label " + label.getLabelId() + " within " + ackTimeout.toMillis()
                            + " ms",
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LabelWriteException("interrupted while writing label " + label.getLabelId(), e);
        }
    }

    /** A label could not be written; the API answers 503 and the labeler may retry. */
    public static final class LabelWriteException extends RuntimeException {
        public LabelWriteException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
