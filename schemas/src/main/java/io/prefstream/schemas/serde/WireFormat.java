package io.prefstream.schemas.serde;

/**
 * The Confluent wire format: {@code [0x00][schema id: 4 bytes big-endian][Avro binary]}.
 * Subjects follow the TopicNameStrategy: {@code <topic>-value} for values, {@code <topic>-key} for keys.
 */
public final class WireFormat {
    public static final byte MAGIC_BYTE = 0;
    public static final int HEADER_SIZE = 5;

    private WireFormat() {}

    /** The TopicNameStrategy subject for {@code topic}. */
    public static String subject(String topic, boolean isKey) {
        if (topic == null || topic.isBlank()) {
            throw new IllegalArgumentException("topic: expected a non-blank topic name, found '" + topic + "'");
        }
        return topic + (isKey ? "-key" : "-value");
    }
}
