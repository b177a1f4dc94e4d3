package io.prefstream.trainer.batcher;

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
 * An input record with everything needed to route it later exactly as it arrived: its kind, where it
 * was read (topic, partition, offset, timestamp), its original key, value and headers, and the
 * policy version of online data. It is the value of the batcher's single-partition internal topic
 * and of the online buffer, so a record that turns stale while buffered still reaches the stale
 * topic with its original bytes and coordinates.
 *
 * @param kind          what the value is
 * @param topic         source topic
 * @param partition     source partition
 * @param offset        source offset
 * @param timestamp     source record timestamp
 * @param policyVersion the rollout's policy version for online data, the update's version for policy updates, else -1
 * @param key           original key bytes, or null
 * @param value         original value bytes, or null for a tombstone
 * @param headers       original headers
 */
record SourcedRecord(InputKind kind, String topic, int partition, long offset, long timestamp, long policyVersion,
                     byte[] key, byte[] value, List<Header> headers) {

    private static final int MAGIC = 0x50534231; // "PSB1"

    SourcedRecord {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(topic, "topic");
        headers = List.copyOf(headers);
    }

    /** The original headers as a mutable Kafka {@link Headers}, for re-emission with more headers. */
    Headers kafkaHeaders() {
        var out = new RecordHeaders();
        headers.forEach(out::add);
        return out;
    }

    byte[] encode() {
        var bytes = new ByteArrayOutputStream(64 + (value == null ? 0 : value.length));
        try (var out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeByte(kind.ordinal());
            out.writeUTF(topic);
            out.writeInt(partition);
            out.writeLong(offset);
            out.writeLong(timestamp);
            out.writeLong(policyVersion);
            writeBytes(out, key);
            writeBytes(out, value);
            out.writeInt(headers.size());
            for (Header h : headers) {
                out.writeUTF(h.key());
                writeBytes(out, h.value());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode a record of " + topic + "-" + partition + "@" + offset, e);
        }
        return bytes.toByteArray();
    }

    /**
     * Decodes bytes written by {@link #encode()}.
     *
     * @throws IllegalArgumentException when the bytes are not an encoded record (the batcher's own
     *                                  internal topic or store was written by something else)
     */
    static SourcedRecord decode(byte[] bytes) {
        try (var in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int magic = in.readInt();
            if (magic != MAGIC) {
                throw new IllegalArgumentException("not a batcher input record: expected magic "
                        + Integer.toHexString(MAGIC) + ", found " + Integer.toHexString(magic));
            }
            InputKind kind = InputKind.values()[in.readUnsignedByte()];
            String topic = in.readUTF();
            int partition = in.readInt();
            long offset = in.readLong();
            long timestamp = in.readLong();
            long version = in.readLong();
            byte[] key = readBytes(in);
            byte[] value = readBytes(in);
            int n = in.readInt();
            var headers = new ArrayList<Header>(n);
            for (int i = 0; i < n; i++) {
                headers.add(new RecordHeader(in.readUTF(), readBytes(in)));
            }
            return new SourcedRecord(kind, topic, partition, offset, timestamp, version, key, value, headers);
        } catch (IOException | ArrayIndexOutOfBoundsException e) {
            throw new IllegalArgumentException("corrupt batcher input record (" + bytes.length + " bytes): " + e, e);
        }
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        if (b == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(b.length);
            out.write(b);
        }
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
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
        return kind + " from " + topic + "-" + partition + "@" + offset;
    }
}
