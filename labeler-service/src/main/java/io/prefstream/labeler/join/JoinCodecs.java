package io.prefstream.labeler.join;

import io.prefstream.platform.deadletter.SourcedRecord;
import io.prefstream.platform.topics.Topics;
import io.prefstream.schemas.Label;
import io.prefstream.schemas.LabelRequest;
import io.prefstream.schemas.LabeledRollout;
import io.prefstream.schemas.Rollout;
import io.prefstream.schemas.registry.SchemaRegistryClient;
import io.prefstream.schemas.serde.AvroDecoder;
import io.prefstream.schemas.serde.AvroEncoder;

/** The Avro codecs of the join's inputs and outputs, sharing one registry client (thread-safe). */
final class JoinCodecs {

    private final AvroDecoder<Rollout> rollouts;
    private final AvroDecoder<Label> labels;
    private final AvroEncoder<LabeledRollout> preferences;
    private final AvroEncoder<LabelRequest> requests;
    private final AvroEncoder<Label> labelEncoder;

    JoinCodecs(SchemaRegistryClient registry) {
        this.rollouts = new AvroDecoder<>(Rollout.class, registry);
        this.labels = new AvroDecoder<>(Label.class, registry);
        this.preferences = new AvroEncoder<>(registry);
        this.requests = new AvroEncoder<>(registry);
        this.labelEncoder = new AvroEncoder<>(registry);
    }

    Rollout rollout(SourcedRecord input) {
        return rollouts.decode(input.topic(), input.partition(), input.offset(), input.value());
    }

    Label label(SourcedRecord input) {
        return labels.decode(input.topic(), input.partition(), input.offset(), input.value());
    }

    byte[] encode(LabeledRollout value) {
        return preferences.encode(Topics.PREFERENCES.name(), value);
    }

    byte[] encode(Label value) {
        return labelEncoder.encode(Topics.LABELS.name(), value);
    }

    byte[] encode(LabelRequest value) {
        return requests.encode(Topics.LABEL_REQUESTS.name(), value);
    }
}
