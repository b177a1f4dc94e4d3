package io.prefstream.platform.topics;

import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A topic of the Prefstream dataflow, declared once in {@link Topics}: what its records are and
 * how the provisioner creates it. Keys are UTF-8 strings on every topic.
 *
 * @param name           topic name, e.g. {@code prefstream.rollouts}
 * @param keyType        what the key is, e.g. {@code prompt id (string)}
 * @param valueType      fully-qualified name of the value's Avro class in {@code io.prefstream.schemas},
 *                       or {@code bytes} for raw payloads
 * @param partitions     fixed partition count, or {@link #CONFIGURED_PARTITIONS} to use {@code topics.partitions}
 * @param cleanupPolicy  delete or compact
 * @param configs        extra topic configs applied at creation
 */
public record Topic(
        String name,
        String keyType,
        String valueType,
        int partitions,
        CleanupPolicy cleanupPolicy,
        Map<String, String> configs) {

    /** Marker for {@link #partitions}: take the count from the {@code topics.partitions} setting. */
    public static final int CONFIGURED_PARTITIONS = -1;

    private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    public Topic {
        Objects.requireNonNull(name, "name");
        if (!LEGAL.matcher(name).matches()) {
            throw new IllegalArgumentException("Topic name '" + name + "' must be 1-249 characters of [a-zA-Z0-9._-]");
        }
        Objects.requireNonNull(keyType, "keyType");
        Objects.requireNonNull(valueType, "valueType");
        Objects.requireNonNull(cleanupPolicy, "cleanupPolicy");
        if (partitions != CONFIGURED_PARTITIONS && partitions < 1) {
            throw new IllegalArgumentException(
                    "Topic " + name + ": partitions must be >= 1 or CONFIGURED_PARTITIONS, was " + partitions);
        }
        if (configs.containsKey("cleanup.policy")) {
            throw new IllegalArgumentException(
                    "Topic " + name + ": set cleanup.policy through cleanupPolicy, not configs");
        }
        configs = Map.copyOf(configs);
    }

    /** The partition count to create: the fixed one, else {@code configuredDefault}. */
    public int partitions(int configuredDefault) {
        return partitions == CONFIGURED_PARTITIONS ? configuredDefault : partitions;
    }

    @Override
    public String toString() {
        return name;
    }
}
