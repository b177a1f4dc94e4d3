package io.prefstream.labeler.join;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * One record of the join's input (a rollout or a label) as it was read from its source topic:
 * where it came from, its original key, value and headers. It travels through the join's
 * repartition topic keyed by rollout id, so that a label dead-lettered later still names its real
 * source coordinates and keeps its original bytes.
 *
 * @param type      what the value is
 * @param topic     source topic
 * @param partition source partition
 * @param offset    source offset
 * @param timestamp source record timestamp
 * @param key       original key bytes, may be null
 * @param value     original (Confluent-framed Avro) value bytes, may be null
 * @param headers   original headers
 */
public record JoinInput(Type type, String topic, int partition, long offset, long timestamp, byte[] key,
                        byte[] value, List<Header> headers) {

    /** What a join input carries. */
    public enum Type { ROLLOUT, LABEL }

    private static final byte FORMAT = 1;

    public JoinInput {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(topic, "topic");
        headers = List.copyOf(headers);
    }

    /** The original headers as a mutable Kafka {@link Headers} (a copy). */
    public Headers kafkaHeaders() {
        var out = new RecordHeaders();
        headers.forEach(out::add);
        return out;
    }

    /** {@code topic-partition@offset}. */
    public String coordinates() {
        return topic + "-" + partition + "@" + offset;
    }

    /** Binary form for the repartition topic and the state store. */
    public byte[] toBytes() {
        var bytes = new ByteArrayOutputStream(64 + (value == null ? 0 : value.length));
        try (var out = new DataOutputStream(bytes)) {
            write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    void write(DataOutputStream out) throws IOException {
        out.writeByte(FORMAT);
        out.writeByte(type.ordinal());
        out.writeUTF(topic);
        out.writeInt(partition);
        out.writeLong(offset);
        out.writeLong(timestamp);
        writeBytes(out, key);
        writeBytes(out, value);
        out.writeInt(headers.size());
        for (Header h : headers) {
            out.writeUTF(h.key());
            writeBytes(out, h.value());
        }
    }

    /** Reads {@link #toBytes()}. @throws IllegalArgumentException when the bytes are not a join input */
    public static JoinInput fromBytes(byte[] data) {
        try (var in = new DataInputStream(new ByteArrayInputStream(data))) {
            return read(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a join input record (" + data.length + " bytes): " + e, e);
        }
    }

    static JoinInput read(DataInputStream in) throws IOException {
        int format = in.readByte();
        if (format != FORMAT) {
            throw new IOException("expected join input format " + FORMAT + ", found " + format);
        }
        var type = Type.values()[in.readByte()];
        String topic = in.readUTF();
        int partition = in.readInt();
        long offset = in.readLong();
        long timestamp = in.readLong();
        byte[] key = readBytes(in);
        byte[] value = readBytes(in);
        int n = in.readInt();
        var headers = new ArrayList<Header>(n);
        for (int i = 0; i < n; i++) {
            headers.add(new RecordHeader(in.readUTF(), readBytes(in)));
        }
        return new JoinInput(type, topic, partition, offset, timestamp, key, value, headers);
    }

    static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        if (b == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(b.length);
            out.write(b);
        }
    }

    static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }
}
