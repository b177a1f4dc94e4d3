package io.prefstream.schemas.serde;

import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;

/**
 * A record's bytes are not a valid Confluent-framed Avro value for the expected type: wrong magic
 * byte, unknown schema id, truncated or trailing bytes, or an Avro payload that does not match its
 * writer schema. Carries where the record came from so it can be dead-lettered with its original
 * bytes; {@code partition} and {@code offset} are -1 when unknown (e.g. inside a Kafka
 * {@code Deserializer}, which is not told them).
 */
public class RecordDecodingException extends SerializationException {
    private final String topic;
    private final int partition;
    private final long offset;
    private final String reason;
    private final transient ConsumerRecord<byte[], byte[]> source;

    public RecordDecodingException(String topic, int partition, long offset, String reason, Throwable cause) {
        this(topic, partition, offset, reason, cause, null);
    }

    private RecordDecodingException(
            String topic,
            int partition,
            long offset,
            String reason,
            Throwable cause,
            ConsumerRecord<byte[], byte[]> source) {
        super("Cannot decode record at " + topic + "-" + partition + "@" + offset + ": " + reason, cause);
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.reason = reason;
        this.source = source;
    }

    /** This failure with the record it was raised for, so the original bytes can be dead-lettered. */
    public RecordDecodingException withSource(ConsumerRecord<byte[], byte[]> record) {
        var e = new RecordDecodingException(topic, partition, offset, reason, getCause(), record);
        e.setStackTrace(getStackTrace());
        return e;
    }

    /** The undecodable record as it was read, when the decoder was given one. */
    public Optional<ConsumerRecord<byte[], byte[]>> source() {
        return Optional.ofNullable(source);
    }

    public String topic() {
        return topic;
    }

    /** Partition of the record, or -1 when unknown. */
    public int partition() {
        return partition;
    }

    /** Offset of the record, or -1 when unknown. */
    public long offset() {
        return offset;
    }

    /** What was expected and what was found, without the location. */
    public String reason() {
        return reason;
    }
}
