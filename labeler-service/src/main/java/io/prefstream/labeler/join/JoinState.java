package io.prefstream.labeler.join;

import io.prefstream.platform.deadletter.SourcedRecord;
import io.prefstream.schemas.LabelKind;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What the label join knows about one rollout id, as kept in its state store.
 *
 * <p>Life cycle: {@code HOLDING} (labels arrived, rollout not yet: they wait until the orphan
 * deadline) → {@code PENDING} (rollout seen, collecting labels until the policy is met or the timeout
 * passes) → {@code EMITTED} (only label ids and labeler keys kept, to recognise duplicates and late
 * labels, until the retention deadline) → deleted. Rollouts and labels are kept as their original
 * Confluent-framed bytes, so schema evolution is handled by the registry like on the topics.
 */
final class JoinState {

    enum Status {
        HOLDING,
        PENDING,
        EMITTED
    }

    enum Routing {
        UNDECIDED,
        ROUTED,
        NOT_ROUTED
    }

    /** A label counted for this rollout; {@code value} is dropped once the rollout is emitted. */
    record Accepted(String labelId, String labelerKey, LabelKind kind, byte[] value) {}

    /** A label waiting for its rollout. */
    record Held(String labelId, String labelerKey, JoinInput input) {}

    private static final byte FORMAT = 1;

    Status status;
    /** Completions in the rollout, -1 while unknown. */
    int k = -1;
    /** Wall-clock ms when the rollout (or, while holding, the first label) arrived. */
    long firstSeenMs;
    /** Wall-clock ms of the next timeout action; indexed in the deadline store. */
    long deadlineMs;

    Routing routing = Routing.UNDECIDED;
    /** Source of the rollout while pending (its framed bytes and coordinates). */
    JoinInput rollout;

    final List<Accepted> accepted = new ArrayList<>();
    final List<Held> held = new ArrayList<>();

    JoinState(Status status) {
        this.status = status;
    }

    /** The labeler identity used for "same labeler, same rollout" deduplication. */
    static String labelerKey(LabelKind kind, String labelerId) {
        return kind.name() + "|" + labelerId;
    }

    /** Whether a label with this id, or from this labeler, was already counted or held. */
    boolean knows(String labelId, String labelerKey) {
        for (Accepted a : accepted) {
            if (a.labelId().equals(labelId) || a.labelerKey().equals(labelerKey)) {
                return true;
            }
        }
        for (Held h : held) {
            if (h.labelId().equals(labelId) || h.labelerKey().equals(labelerKey)) {
                return true;
            }
        }
        return false;
    }

    long count(LabelKind kind) {
        return accepted.stream().filter(a -> a.kind() == kind).count();
    }

    static final class StateSerde implements Serde<JoinState> {
        @Override
        public Serializer<JoinState> serializer() {
            return (topic, state) -> state == null ? null : state.toBytes();
        }

        @Override
        public Deserializer<JoinState> deserializer() {
            return (topic, data) -> data == null ? null : fromBytes(data);
        }
    }

    byte[] toBytes() {
        var bytes = new ByteArrayOutputStream();
        try (var out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeByte(status.ordinal());
            out.writeInt(k);
            out.writeLong(firstSeenMs);
            out.writeLong(deadlineMs);
            out.writeByte(routing.ordinal());
            out.writeBoolean(rollout != null);
            if (rollout != null) {
                rollout.write(out);
            }
            out.writeInt(accepted.size());
            for (Accepted a : accepted) {
                out.writeUTF(a.labelId());
                out.writeUTF(a.labelerKey());
                out.writeByte(a.kind().ordinal());
                SourcedRecord.writeBytes(out, a.value());
            }
            out.writeInt(held.size());
            for (Held h : held) {
                out.writeUTF(h.labelId());
                out.writeUTF(h.labelerKey());
                h.input().write(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static JoinState fromBytes(byte[] data) {
        try (var in = new DataInputStream(new ByteArrayInputStream(data))) {
            int format = in.readByte();
            if (format != FORMAT) {
                throw new IOException("expected join state format " + FORMAT + ", found " + format);
            }
            var state = new JoinState(Status.values()[in.readByte()]);
            state.k = in.readInt();
            state.firstSeenMs = in.readLong();
            state.deadlineMs = in.readLong();
            state.routing = Routing.values()[in.readByte()];
            if (in.readBoolean()) {
                state.rollout = JoinInput.read(in);
            }
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                state.accepted.add(new Accepted(
                        in.readUTF(), in.readUTF(), LabelKind.values()[in.readByte()], SourcedRecord.readBytes(in)));
            }
            int h = in.readInt();
            for (int i = 0; i < h; i++) {
                state.held.add(new Held(in.readUTF(), in.readUTF(), JoinInput.read(in)));
            }
            return state;
        } catch (IOException e) {
            throw new IllegalStateException("corrupt label-join state (" + data.length + " bytes): " + e, e);
        }
    }
}
