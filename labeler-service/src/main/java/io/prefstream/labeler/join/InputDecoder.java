package io.prefstream.labeler.join;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.prefstream.labeler.LabelerConfig;
import io.prefstream.platform.topics.Topics;
import io.prefstream.schemas.Label;
import io.prefstream.schemas.Rollout;
import io.prefstream.schemas.serde.RecordDecodingException;
import java.util.Arrays;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First stage of the label join: decodes a raw rollout or label, keys it by rollout id for the
 * repartition topic, and turns a record that cannot be decoded (or names no rollout) into a dead
 * letter with its source topic, partition and offset. A registry that cannot be reached is not the
 * record's fault: that exception propagates and the task is retried.
 */
final class InputDecoder implements Processor<byte[], byte[], String, InputDecoder.Decoded> {

    private static final Logger log = LoggerFactory.getLogger(InputDecoder.class);

    /** A decoded input keyed for the join, or a dead letter. Exactly one is non-null. */
    record Decoded(JoinInput input, JoinOutput deadLetter) {
    }

    private final JoinInput.Type type;
    private final JoinCodecs codecs;
    private final JoinMetrics metrics;
    private ProcessorContext<String, Decoded> context;

    InputDecoder(JoinInput.Type type, JoinCodecs codecs, JoinMetrics metrics) {
        this.type = type;
        this.codecs = codecs;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Decoded> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        var meta = context.recordMetadata();
        String topic = meta.map(m -> m.topic()).orElse(type == JoinInput.Type.ROLLOUT ? Topics.ROLLOUTS.name()
                : Topics.LABELS.name());
        int partition = meta.map(m -> m.partition()).orElse(-1);
        long offset = meta.map(m -> m.offset()).orElse(-1L);
        var input = new JoinInput(type, topic, partition, offset, record.timestamp(), record.key(), record.value(),
                Arrays.asList(record.headers().toArray()));
        String rolloutId;
        try {
            rolloutId = rolloutId(input);
        } catch (RecordDecodingException e) {
            deadLetter(input, "undecodable", null, e);
            metrics.undecodable(topic);
            return;
        } catch (InvalidInputException e) {
            deadLetter(input, e.reason, e.getMessage(), null);
            metrics.undecodable(topic);
            return;
        }
        context.forward(new Record<>(rolloutId, new Decoded(input, null), record.timestamp(), new RecordHeaders()));
    }

    private String rolloutId(JoinInput input) {
        if (input.value() == null) {
            throw new InvalidInputException("undecodable", "null value (tombstone) on " + input.topic()
                    + ", expected a " + (type == JoinInput.Type.ROLLOUT ? "Rollout" : "Label"));
        }
        if (type == JoinInput.Type.ROLLOUT) {
            Rollout rollout = codecs.rollout(input);
            var completions = rollout.getCompletions();
            if (rollout.getId().isEmpty() || completions.isEmpty()) {
                throw new InvalidInputException("invalid-rollout", "rollout '" + rollout.getId()
                        + "' has an empty id or no completions; expected an id and K >= 1 completions");
            }
            for (int i = 0; i < completions.size(); i++) {
                if (completions.get(i).getIndex() != i) {
                    throw new InvalidInputException("invalid-rollout", "rollout " + rollout.getId() + " has index "
                            + completions.get(i).getIndex() + " at position " + i + "; expected completions[i].index == i");
                }
            }
            return rollout.getId();
        }
        Label label = codecs.label(input);
        if (label.getRolloutId().isEmpty() || label.getLabelId().isEmpty()) {
            throw new InvalidInputException("invalid-label", "label has an empty label_id or rollout_id");
        }
        return label.getRolloutId();
    }

    private void deadLetter(JoinInput input, String reason, String detail, Throwable error) {
        long now = context.currentSystemTimeMs();
        log.warn("Dead-lettering {} ({}): {}", input.coordinates(), reason, error != null ? error.getMessage() : detail);
        var headers = DeadLetterRecords.headers(input, LabelerConfig.JOIN_APPLICATION_ID, reason, detail, error, now,
                metrics.registry());
        var out = new JoinOutput(Topics.DEAD_LETTERS, input.key(), input.value());
        context.forward(new Record<>(keyText(input), new Decoded(null, out), input.timestamp(), headers));
    }

    private static String keyText(JoinInput input) {
        return input.key() == null ? "" : new String(input.key(), UTF_8);
    }

    /** A record that decodes but cannot be joined. */
    private static final class InvalidInputException extends RuntimeException {
        final String reason;

        InvalidInputException(String reason, String message) {
            super(message);
            this.reason = reason;
        }
    }
}
