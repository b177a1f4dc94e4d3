package io.prefstream.labeler.join;

import io.prefstream.platform.deadletter.SourcedRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * One record of the join's input (a rollout or a label) as it was read from its source topic. It
 * travels through the join's repartition topic keyed by rollout id, so that a label dead-lettered
 * later still names its real source coordinates and keeps its original bytes.
 *
 * @param type   what the value is
 * @param source the record with its source coordinates and original (Confluent-framed Avro) bytes
 */
public record JoinInput(Type type, SourcedRecord source) {

    /** What a join input carries. */
    public enum Type {
        ROLLOUT,
        LABEL
    }

    private static final byte FORMAT = 1;

    public JoinInput {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(source, "source");
    }

    /** Binary form for the repartition topic and the state store. */
    public byte[] toBytes() {
        var bytes = new ByteArrayOutputStream(64 + (source.value() == null ? 0 : source.value().length));
        try (var out = new DataOutputStream(bytes)) {
            write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Format byte, type, then the {@link SourcedRecord} binary form. */
    void write(DataOutputStream out) throws IOException {
        out.writeByte(FORMAT);
        out.writeByte(type.ordinal());
        source.write(out);
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
        return new JoinInput(type, SourcedRecord.read(in));
    }
}
