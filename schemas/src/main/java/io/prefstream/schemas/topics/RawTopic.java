package io.prefstream.schemas.topics;

import java.util.Map;
import java.util.Objects;

/**
 * A topic whose values are other records' original bytes, kept as they were read (stale and
 * dead-lettered records); headers say where each came from and why it is there.
 */
public record RawTopic(
        String name, String keyType, int partitions, CleanupPolicy cleanupPolicy, Map<String, String> configs)
        implements TopicSpec {

    public RawTopic {
        Objects.requireNonNull(keyType, "keyType");
        Objects.requireNonNull(cleanupPolicy, "cleanupPolicy");
        configs = TopicSpec.checked(name, partitions, configs);
    }

    @Override
    public String valueTypeName() {
        return "bytes";
    }

    /** The same topic under another name. */
    public RawTopic named(String otherName) {
        return new RawTopic(otherName, keyType, partitions, cleanupPolicy, configs);
    }

    @Override
    public String toString() {
        return name;
    }
}
