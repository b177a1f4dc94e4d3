package io.prefstream.schemas.topics;

import java.util.Map;

/**
 * What the provisioner needs to create a topic and what operators read about it: its name, what
 * its keys and values are, partitions, cleanup policy and extra configs. A {@link Topic} carries
 * Avro records of one generated class; a {@link RawTopic} carries other records' original bytes.
 */
public sealed interface TopicSpec permits Topic, RawTopic {

    /** Marker for {@link #partitions()}: take the count from the {@code topics.partitions} setting. */
    int CONFIGURED_PARTITIONS = -1;

    String name();

    /** What the key is, e.g. {@code prompt id (string)}. */
    String keyType();

    /** Fully-qualified name of the value's Avro class, or {@code bytes} for raw payloads. */
    String valueTypeName();

    /** Fixed partition count, or {@link #CONFIGURED_PARTITIONS}. */
    int partitions();

    CleanupPolicy cleanupPolicy();

    /** Extra topic configs applied at creation. */
    Map<String, String> configs();

    /** The partition count to create: the fixed one, else {@code configuredDefault}. */
    default int partitions(int configuredDefault) {
        return partitions() == CONFIGURED_PARTITIONS ? configuredDefault : partitions();
    }

    /** Checks what every topic declaration must satisfy; returns an immutable copy of {@code configs}. */
    static Map<String, String> checked(String name, int partitions, Map<String, String> configs) {
        if (name == null || !name.matches("[a-zA-Z0-9._-]{1,249}")) {
            throw new IllegalArgumentException("Topic name '" + name + "' must be 1-249 characters of [a-zA-Z0-9._-]");
        }
        if (partitions != CONFIGURED_PARTITIONS && partitions < 1) {
            throw new IllegalArgumentException(
                    "Topic " + name + ": partitions must be >= 1 or CONFIGURED_PARTITIONS, was " + partitions);
        }
        if (configs.containsKey("cleanup.policy")) {
            throw new IllegalArgumentException(
                    "Topic " + name + ": set cleanup.policy through cleanupPolicy, not configs");
        }
        return Map.copyOf(configs);
    }
}
