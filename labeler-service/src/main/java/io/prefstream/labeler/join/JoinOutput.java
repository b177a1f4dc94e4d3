package io.prefstream.labeler.join;

import io.prefstream.schemas.topics.TopicSpec;
import java.util.Objects;

/**
 * One record the join writes: its destination topic and encoded key and value. Headers travel on the
 * Streams record itself.
 */
record JoinOutput(TopicSpec topic, byte[] key, byte[] value) {
    JoinOutput {
        Objects.requireNonNull(topic, "topic");
    }
}
