package io.prefstream.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench stale} end to end on a small burst: the real trainer writes its accounting on batches
 * and policy updates, the generator reads it (its U is known at the end of both arms), and with the
 * untrained bound every rollout of the burst is trained, none stale.
 */
class BenchStaleCommandTest {

    @TempDir
    Path dir;

    @Test
    void aBurstUnderTheUntrainedBoundIsTrainedWithoutStaleRollouts() throws Exception {
        var result = Cli.run(
                "bench",
                "stale",
                "--prompts",
                "400",
                "--cache-dir",
                dir.resolve("cache").toString(),
                "--device",
                "cpu",
                "--quiet-s",
                "20",
                "--timeout-s",
                "300",
                "--json");
        assertEquals(0, result.exitCode(), result.out() + result.err());
        JsonNode o = new ObjectMapper().readTree(result.lastLine());
        for (String arm : new String[] {"per_version", "untrained_bound"}) {
            JsonNode a = o.get(arm);
            assertEquals(400, a.get("produced").asLong(), arm);
            assertEquals(
                    a.get("produced").asLong(),
                    a.get("trained").asLong()
                            + a.get("stale").asLong()
                            + a.get("dead_lettered").asLong()
                            + a.get("left_over").asLong(),
                    arm + ": every rollout is trained, stale, dead-lettered or left over");
            assertTrue(a.get("untrained_at_end").asLong() >= 0, arm + ": the generator read the trainer's accounting");
        }
        JsonNode bounded = o.get("untrained_bound");
        assertTrue(bounded.get("finished").asBoolean(), result.out());
        assertEquals(0, bounded.get("stale").asLong(), result.out());
        assertEquals(400, bounded.get("trained").asLong(), result.out());
    }
}
