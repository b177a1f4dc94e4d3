package io.prefstream.labeler.join;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prefstream.platform.deadletter.SourcedRecord;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The join's repartition topic and state store keep join-input format 1, so existing state still reads. */
class JoinInputTest {

    @Test
    void encodesFormatOne() throws IOException {
        var bytes = new ByteArrayOutputStream();
        var out = new DataOutputStream(bytes);
        out.writeByte(1);
        out.writeByte(JoinInput.Type.LABEL.ordinal());
        out.writeUTF("prefstream.labels");
        out.writeInt(0);
        out.writeLong(3L);
        out.writeLong(2_000L);
        out.writeInt(-1);
        out.writeInt(3);
        out.write(new byte[] {0, 0, 42});
        out.writeInt(0);
        byte[] formatOne = bytes.toByteArray();

        var input = new JoinInput(
                JoinInput.Type.LABEL,
                new SourcedRecord("prefstream.labels", 0, 3L, 2_000L, null, new byte[] {0, 0, 42}, List.of()));
        assertArrayEquals(formatOne, input.toBytes());

        var read = JoinInput.fromBytes(formatOne);
        assertEquals(JoinInput.Type.LABEL, read.type());
        assertEquals("prefstream.labels-0@3", read.source().coordinates());
        assertEquals(2_000L, read.source().timestamp());
        assertArrayEquals(new byte[] {0, 0, 42}, read.source().value());
    }

    @Test
    void otherFormatsAreRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> JoinInput.fromBytes("x".getBytes(UTF_8)));
        assertTrue(e.getMessage().startsWith("not a join input record (1 bytes)"), e.getMessage());
    }
}
