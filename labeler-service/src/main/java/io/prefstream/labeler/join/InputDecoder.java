package io.prefstream.labeler.join;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.prefstream.platform.deadletter.SourcedRecord;
import io.prefstream.platform.deadletter.StreamsDeadLetters;
import io.prefstream.schemas.Label;
import io.prefstream.schemas.Rollout;
import io.prefstream.schemas.serde.RecordDecodingException;
import io.prefstream.schemas.topics.Topics;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * First stage of the label join: decodes a raw rollout or label, keys it by rollout id for the
 * repartition topic, and turns a record that cannot be decoded (or names no rollout) into a dead
 * letter with its source topic, partition and offset. A registry that cannot be reached is not the
 * record's fault: that exception propagates and the task is retried.
 */
final class InputDecoder implements Processor<byte[], byte[], String, InputDecoder.Decoded> {

    /** A decoded input keyed for the join, or a dead letter. Exactly one is non-null. */
    record Decoded(JoinInput input, JoinOutput deadLetter) {}

    private final JoinInput.Type type;
    private final JoinCodecs codecs;
    private final JoinMetrics metrics;
    private final StreamsDeadLetters deadLetters;
    private ProcessorContext<String, Decoded> context;

    InputDecoder(JoinInput.Type type, JoinCodecs codecs, JoinMetrics metrics, StreamsDeadLetters deadLetters) {
        this.type = type;
        this.codecs = codecs;
        this.metrics = metrics;
        this.deadLetters = deadLetters;
    }

    @Override
    public void init(ProcessorContext<String, Decoded> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        var meta = context.recordMetadata();
        String topic = meta.map(m -> m.topic())
                .orElse(type == JoinInput.Type.ROLLOUT ? Topics.ROLLOUTS.name() : Topics.LABELS.name());
        int partition = meta.map(m -> m.partition()).orElse(-1);
        long offset = meta.map(m -> m.offset()).orElse(-1L);
        var source = SourcedRecord.of(topic, partition, offset, record);
        String rolloutId;
        try {
            rolloutId = rolloutId(source);
        } catch (RecordDecodingException e) {
            deadLetter(source, "undecodable", null, e);
            metrics.undecodable(topic);
            return;
        } catch (InvalidInputException e) {
            deadLetter(source, e.reason, e.getMessage(), null);
            metrics.undecodable(topic);
            return;
        }
        context.forward(new Record<>(
                rolloutId, new Decoded(new JoinInput(type, source), null), record.timestamp(), new RecordHeaders()));
    }

    private String rolloutId(SourcedRecord input) {
        if (input.value() == null) {
            throw new InvalidInputException(
                    "undecodable",
                    "null value (tombstone) on " + input.topic() + ", expected a "
                            + (type == JoinInput.Type.ROLLOUT ? "Rollout" : "Label"));
        }
        if (type == JoinInput.Type.ROLLOUT) {
            Rollout rollout = codecs.rollout(input);
            var completions = rollout.getCompletions();
            if (rollout.getId().isEmpty() || completions.isEmpty()) {
                throw new InvalidInputException(
                        "invalid-rollout",
                        "rollout '" + rollout.getId()
                                + "' has an empty id or no completions; expected an id and K >= 1 completions");
            }
            for (int i = 0; i < completions.size(); i++) {
                if (completions.get(i).getIndex() != i) {
                    throw new InvalidInputException(
                            "invalid-rollout",
                            "rollout " + rollout.getId() + " has index "
                                    + completions.get(i).getIndex() + " at position " + i
                                    + "; expected completions[i].index == i");
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

    private void deadLetter(SourcedRecord source, String reason, String detail, Throwable error) {
        var letter = deadLetters.letter(source, reason, detail, error, context.currentSystemTimeMs());
        var out = new JoinOutput(Topics.DEAD_LETTERS, letter.key(), letter.value());
        context.forward(new Record<>(keyText(source), new Decoded(null, out), source.timestamp(), letter.headers()));
    }

    private static String keyText(SourcedRecord input) {
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
