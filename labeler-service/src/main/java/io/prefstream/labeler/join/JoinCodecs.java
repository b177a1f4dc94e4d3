package io.prefstream.labeler.join;

import io.prefstream.platform.deadletter.SourcedRecord;
import io.prefstream.schemas.Label;
import io.prefstream.schemas.LabelRequest;
import io.prefstream.schemas.LabeledRollout;
import io.prefstream.schemas.Rollout;
import io.prefstream.schemas.registry.SchemaRegistryClient;
import io.prefstream.schemas.topics.TopicCodec;
import io.prefstream.schemas.topics.Topics;

/** The codecs of the join's input and output topics, sharing one registry client (thread-safe). */
final class JoinCodecs {

    private final TopicCodec<Rollout> rollouts;
    private final TopicCodec<Label> labels;
    private final TopicCodec<LabeledRollout> preferences;
    private final TopicCodec<LabelRequest> requests;

    JoinCodecs(SchemaRegistryClient registry) {
        this.rollouts = Topics.ROLLOUTS.codec(registry);
        this.labels = Topics.LABELS.codec(registry);
        this.preferences = Topics.PREFERENCES.codec(registry);
        this.requests = Topics.LABEL_REQUESTS.codec(registry);
    }

    Rollout rollout(SourcedRecord input) {
        return rollouts.decode(input.topic(), input.partition(), input.offset(), input.value());
    }

    Label label(SourcedRecord input) {
        return labels.decode(input.topic(), input.partition(), input.offset(), input.value());
    }

    byte[] encode(LabeledRollout value) {
        return preferences.encode(value);
    }

    byte[] encode(Label value) {
        return labels.encode(value);
    }

    byte[] encode(LabelRequest value) {
        return requests.encode(value);
    }
}
