package io.prefstream.platform.deadletter;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Record;

/**
 * A record as it was read from its source topic: where (topic, partition, offset, timestamp) and
 * what (original key, value and headers). A Kafka Streams topology carries it through its internal
 * topics and state stores, so that a record dead-lettered (or otherwise re-routed) later still
 * names its real source coordinates and keeps its original bytes.
 *
 * <p>Binary form: {@link #writeOrigin} (topic, partition, offset, timestamp) then
 * {@link #writeContent} (key, value, headers), in {@link java.io.DataOutput} encoding; a byte array
 * is its length then its bytes, -1 for null. It is split in two so that a topology can keep its own
 * fields between the halves (the trainer's batcher writes the policy version there).
 *
 * @param topic     source topic
 * @param partition source partition, -1 when unknown
 * @param offset    source offset, -1 when unknown
 * @param timestamp source record timestamp (epoch ms)
 * @param key       original key bytes, may be null
 * @param value     original value bytes, may be null (a tombstone)
 * @param headers   original headers
 */
public record SourcedRecord(
        String topic, int partition, long offset, long timestamp, byte[] key, byte[] value, List<Header> headers) {

    public SourcedRecord {
        Objects.requireNonNull(topic, "topic");
        headers = List.copyOf(headers);
    }

    /** {@code record}, read by a Streams processor at {@code topic-partition@offset}. */
    public static SourcedRecord of(String topic, int partition, long offset, Record<byte[], byte[]> record) {
        return new SourcedRecord(
                topic,
                partition,
                offset,
                record.timestamp(),
                record.key(),
                record.value(),
                Arrays.asList(record.headers().toArray()));
    }

    /** {@code record}, read by a consumer. */
    public static SourcedRecord of(ConsumerRecord<byte[], byte[]> record) {
        return new SourcedRecord(
                record.topic(),
                record.partition(),
                record.offset(),
                record.timestamp(),
                record.key(),
                record.value(),
                Arrays.asList(record.headers().toArray()));
    }

    /** The original headers as a mutable Kafka {@link Headers} (a copy), for re-emission with more headers. */
    public Headers kafkaHeaders() {
        var out = new RecordHeaders();
        headers.forEach(out::add);
        return out;
    }

    /** {@code topic-partition@offset}. */
    public String coordinates() {
        return topic + "-" + partition + "@" + offset;
    }

    /** Writes the binary form: {@link #writeOrigin} then {@link #writeContent}. */
    public void write(DataOutput out) throws IOException {
        writeOrigin(out);
        writeContent(out);
    }

    /** Reads {@link #write}. */
    public static SourcedRecord read(DataInput in) throws IOException {
        return readOrigin(in).readContent(in);
    }

    /** Writes topic, partition, offset and timestamp. */
    public void writeOrigin(DataOutput out) throws IOException {
        out.writeUTF(topic);
        out.writeInt(partition);
        out.writeLong(offset);
        out.writeLong(timestamp);
    }

    /** Writes key, value and headers. */
    public void writeContent(DataOutput out) throws IOException {
        writeBytes(out, key);
        writeBytes(out, value);
        out.writeInt(headers.size());
        for (Header h : headers) {
            out.writeUTF(h.key());
            writeBytes(out, h.value());
        }
    }

    /** Reads {@link #writeOrigin}: a record with no key, value or headers yet, for {@link #readContent}. */
    public static SourcedRecord readOrigin(DataInput in) throws IOException {
        return new SourcedRecord(in.readUTF(), in.readInt(), in.readLong(), in.readLong(), null, null, List.of());
    }

    /** This record's origin with the key, value and headers read from {@link #writeContent}. */
    public SourcedRecord readContent(DataInput in) throws IOException {
        byte[] key = readBytes(in);
        byte[] value = readBytes(in);
        int n = in.readInt();
        if (n < 0) {
            throw new IOException("expected a header count >= 0, found " + n);
        }
        var read = new ArrayList<Header>(Math.min(n, 64));
        for (int i = 0; i < n; i++) {
            read.add(new RecordHeader(in.readUTF(), readBytes(in)));
        }
        return new SourcedRecord(topic, partition, offset, timestamp, key, value, read);
    }

    /** Writes {@code b} as its length and bytes, -1 for null. */
    public static void writeBytes(DataOutput out, byte[] b) throws IOException {
        if (b == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(b.length);
            out.write(b);
        }
    }

    /** Reads {@link #writeBytes}. */
    public static byte[] readBytes(DataInput in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    @Override
    public String toString() {
        return "record from " + coordinates();
    }
}
