package io.prefstream.trainer.batcher;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.prefstream.platform.deadletter.SourcedRecord;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;

/** The batcher's internal topic and online buffer keep the "PSB1" layout, so existing state still reads. */
class BatcherInputTest {

    @Test
    void encodesThePsb1Layout() throws IOException {
        var bytes = new ByteArrayOutputStream();
        var out = new DataOutputStream(bytes);
        out.writeInt(0x50534231);
        out.writeByte(InputKind.UNLABELED_ROLLOUT.ordinal());
        out.writeUTF("prefstream.rollouts");
        out.writeInt(2);
        out.writeLong(40L);
        out.writeLong(1_000L);
        out.writeLong(5L); // policy version, between the origin and the content
        out.writeInt(2);
        out.write("p1".getBytes(UTF_8));
        out.writeInt(-1);
        out.writeInt(1);
        out.writeUTF("h");
        out.writeInt(1);
        out.write(7);
        byte[] psb1 = bytes.toByteArray();

        var input = new BatcherInput(
                InputKind.UNLABELED_ROLLOUT,
                5L,
                new SourcedRecord(
                        "prefstream.rollouts",
                        2,
                        40L,
                        1_000L,
                        "p1".getBytes(UTF_8),
                        null,
                        List.of(new RecordHeader("h", new byte[] {7}))));
        assertArrayEquals(psb1, input.encode());

        var read = BatcherInput.decode(psb1);
        assertEquals(InputKind.UNLABELED_ROLLOUT, read.kind());
        assertEquals(5L, read.policyVersion());
        assertEquals("prefstream.rollouts-2@40", read.source().coordinates());
        assertEquals(1_000L, read.source().timestamp());
        assertArrayEquals("p1".getBytes(UTF_8), read.source().key());
        assertNull(read.source().value());
        assertArrayEquals(new byte[] {7}, read.source().headers().get(0).value());
        assertEquals("UNLABELED_ROLLOUT from prefstream.rollouts-2@40", read.toString());
    }

    @Test
    void foreignBytesAreRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> BatcherInput.decode(new byte[] {0, 0, 0, 1, 0}));
        assertEquals("not a batcher input record: expected magic 50534231, found 1", e.getMessage());
    }
}
