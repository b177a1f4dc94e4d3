package io.prefstream.trainer.batcher;

import io.prefstream.platform.deadletter.SourcedRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * An input record with everything needed to route it later exactly as it arrived: its kind, the
 * policy version of online data, and the {@link SourcedRecord} (source coordinates, original key,
 * value and headers). It is the value of the batcher's single-partition internal topic and of the
 * online buffer, so a record that turns stale while buffered still reaches the stale topic with its
 * original bytes and coordinates.
 *
 * @param kind          what the value is
 * @param policyVersion the rollout's policy version for online data, the update's version for policy updates, else -1
 * @param source        the record as read from its input topic
 */
record BatcherInput(InputKind kind, long policyVersion, SourcedRecord source) {

    private static final int MAGIC = 0x50534231; // "PSB1"

    BatcherInput {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(source, "source");
    }

    /** Magic, kind, the source's origin, the policy version, then the source's content. */
    byte[] encode() {
        var bytes = new ByteArrayOutputStream(64 + (source.value() == null ? 0 : source.value().length));
        try (var out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeByte(kind.ordinal());
            source.writeOrigin(out);
            out.writeLong(policyVersion);
            source.writeContent(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode a record of " + source.coordinates(), e);
        }
        return bytes.toByteArray();
    }

    /**
     * Decodes bytes written by {@link #encode()}.
     *
     * @throws IllegalArgumentException when the bytes are not an encoded record (the batcher's own
     *                                  internal topic or store was written by something else)
     */
    static BatcherInput decode(byte[] bytes) {
        try (var in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int magic = in.readInt();
            if (magic != MAGIC) {
                throw new IllegalArgumentException("not a batcher input record: expected magic "
                        + Integer.toHexString(MAGIC) + ", found " + Integer.toHexString(magic));
            }
            InputKind kind = InputKind.values()[in.readUnsignedByte()];
            SourcedRecord origin = SourcedRecord.readOrigin(in);
            long version = in.readLong();
            return new BatcherInput(kind, version, origin.readContent(in));
        } catch (IOException | ArrayIndexOutOfBoundsException e) {
            throw new IllegalArgumentException("corrupt batcher input record (" + bytes.length + " bytes): " + e, e);
        }
    }

    @Override
    public String toString() {
        return kind + " from " + source.coordinates();
    }
}
