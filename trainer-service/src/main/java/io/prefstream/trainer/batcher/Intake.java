package io.prefstream.trainer.batcher;

import io.prefstream.platform.deadletter.SourcedRecord;
import io.prefstream.platform.deadletter.StreamsDeadLetters;
import io.prefstream.schemas.LabeledRollout;
import io.prefstream.schemas.PolicyUpdate;
import io.prefstream.schemas.PreferencePair;
import io.prefstream.schemas.Rollout;
import io.prefstream.schemas.registry.SchemaRegistryClient;
import io.prefstream.schemas.serde.RecordDecodingException;
import io.prefstream.schemas.topics.TopicCodec;
import io.prefstream.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First stage of the batcher, parallel over input partitions: decodes each record of one input
 * topic, dead-letters what cannot be decoded or cannot be used (a rollout without completions, an
 * unlabeled group of fewer than two), drops policy updates of other policies, and forwards the rest
 * as {@link BatcherInput}s to the single-partition assembler topic.
 */
final class Intake implements Processor<byte[], byte[], Routed, byte[]> {

    private static final Logger log = LoggerFactory.getLogger(Intake.class);
    static final String TO_ASSEMBLER = "assembler";

    private final InputKind kind;
    private final String policyName;
    private final TopicCodec<PreferencePair> pairs;
    private final TopicCodec<LabeledRollout> labeledRollouts;
    private final TopicCodec<Rollout> rollouts;
    private final TopicCodec<PolicyUpdate> updates;
    private final StreamsDeadLetters deadLetters;
    private ProcessorContext<Routed, byte[]> context;

    Intake(InputKind kind, String policyName, SchemaRegistryClient registry, StreamsDeadLetters deadLetters) {
        this.kind = kind;
        this.policyName = policyName;
        this.pairs = Topics.OFFLINE_PREFERENCES.codec(registry);
        this.labeledRollouts = Topics.PREFERENCES.codec(registry);
        this.rollouts = Topics.ROLLOUTS.codec(registry);
        this.updates = Topics.POLICY_UPDATES.codec(registry);
        this.deadLetters = deadLetters;
    }

    @Override
    public void init(ProcessorContext<Routed, byte[]> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata where = context.recordMetadata().orElseThrow();
        var source = SourcedRecord.of(where.topic(), where.partition(), where.offset(), record);
        long version;
        InputKind actual = kind;
        try {
            switch (kind) {
                case OFFLINE_PAIR -> {
                    PreferencePair pair = decode(pairs, where, record.value());
                    if (pair == null) {
                        if (record.key() == null) {
                            throw new UnusableRecordException(
                                    "tombstone", "a tombstone without a key names no offline pair to delete");
                        }
                        actual = InputKind.OFFLINE_TOMBSTONE;
                    }
                    version = -1;
                }
                case LABELED_ROLLOUT -> {
                    LabeledRollout labeled = decode(labeledRollouts, where, record.value());
                    if (labeled == null) {
                        throw new UnusableRecordException(
                                "tombstone", "a tombstone on " + where.topic() + " carries no labeled rollout");
                    }
                    requireCompletions(labeled.getRollout(), 1);
                    version = labeled.getRollout().getPolicyVersion();
                }
                case UNLABELED_ROLLOUT -> {
                    Rollout rollout = decode(rollouts, where, record.value());
                    if (rollout == null) {
                        throw new UnusableRecordException(
                                "tombstone", "a tombstone on " + where.topic() + " carries no rollout");
                    }
                    requireCompletions(rollout, 2);
                    version = rollout.getPolicyVersion();
                }
                case POLICY_UPDATE -> {
                    PolicyUpdate update = decode(updates, where, record.value());
                    if (update == null || !policyName.equals(update.getPolicy())) {
                        return; // another policy's update (or its tombstone) says nothing about ours
                    }
                    version = update.getVersion();
                }
                default -> throw new IllegalStateException("intake for " + kind + " is not defined");
            }
        } catch (RecordDecodingException e) {
            deadLetter(source, "undecodable", e);
            return;
        } catch (UnusableRecordException e) {
            deadLetter(source, e.reason, e);
            return;
        }
        var input = new BatcherInput(actual, version, source);
        context.forward(new Record<>(
                new Routed(TO_ASSEMBLER, actual.name().getBytes(StandardCharsets.UTF_8)),
                input.encode(),
                record.timestamp()));
    }

    private static <T extends SpecificRecord> T decode(TopicCodec<T> decoder, RecordMetadata where, byte[] value) {
        return decoder.decode(where.topic(), where.partition(), where.offset(), value);
    }

    private static void requireCompletions(Rollout rollout, int atLeast) {
        int k = rollout.getCompletions().size();
        if (k < atLeast) {
            throw new UnusableRecordException(
                    atLeast == 1 ? "empty-rollout" : "group-too-small",
                    "rollout " + rollout.getId() + " has " + k + " completions; expected at least " + atLeast
                            + (atLeast > 1 ? " (unlabeled groups feed RLOO baselines, which need k >= 2)" : ""));
        }
    }

    private void deadLetter(SourcedRecord source, String reason, Exception error) {
        var letter = deadLetters.letter(source, reason, null, error, System.currentTimeMillis());
        context.forward(new Record<>(
                new Routed(Topics.DEAD_LETTERS.name(), letter.key()),
                letter.value(),
                source.timestamp(),
                letter.headers()));
    }

    /** A record that decodes but cannot be trained on. */
    private static final class UnusableRecordException extends RuntimeException {
        private final String reason;

        UnusableRecordException(String reason, String message) {
            super(message);
            this.reason = reason;
        }
    }
}
