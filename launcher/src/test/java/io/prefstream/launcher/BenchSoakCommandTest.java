package io.prefstream.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small {@code prefstream bench soak}: 300 tracked prompts through a broker process and three
 * service processes while every fault of the schedule is injected (two waves of 30 corrupt
 * records, two generator and two trainer SIGKILLs, a labeler SIGKILL, a broker SIGKILL); nothing
 * may be lost or duplicated, every corrupt record must be dead-lettered and no valid one. The
 * full-size runs (2,000 prompts, three seeds) are in the README.
 */
class BenchSoakCommandTest {

    @TempDir
    Path dir;

    @Test
    void everyFaultOfTheScheduleLeavesNothingLostOrDuplicated() throws Exception {
        var result = Cli.run(
                "bench",
                "soak",
                "--prompts",
                "300",
                "--cache-dir",
                dir.resolve("cache").toString(),
                "--device",
                "cpu",
                "--broker-down-s",
                "5",
                "--timeout-s",
                "360",
                "--json");
        assertEquals(0, result.exitCode(), result.out() + result.err());
        JsonNode o = new ObjectMapper().readTree(result.lastLine());
        assertTrue(o.get("passed").asBoolean(), result.out());
        assertEquals(300, o.get("rollouts").asLong(), "one rollout group per tracked prompt: " + result.out());
        assertEquals(300, o.get("trained").asLong() + o.get("stale").asLong(), result.out());
        assertEquals(60, o.get("corrupt_sent").asLong(), result.out());
        assertEquals(60, o.get("corrupt_dead_lettered").asLong(), result.out());
        for (String zero : new String[] {
            "prompts_lost",
            "prompts_sampled_twice",
            "rollouts_lost",
            "rollouts_used_twice",
            "batch_sequences_repeated",
            "policy_versions_repeated",
            "batches_trained_twice",
            "valid_records_dead-lettered",
            "own_exits"
        }) {
            assertEquals(0, o.get(zero).asLong(), zero + ": " + result.out());
        }
        assertEquals(8, o.get("faults").size(), result.out());
        for (JsonNode f : o.get("faults")) {
            assertTrue(f.get("resumed_after_s").isNumber(), "work resumed after " + f + ": " + result.out());
        }
    }

    @Test
    void aBadSettingIsRefusedBeforeAnythingStarts() {
        for (String bench : new String[] {"soak", "stale"}) {
            var result =
                    Cli.run("bench", bench, "--cache-dir", dir.resolve("none").toString(), "--set", "trainer.beta=-1");
            assertEquals(2, result.exitCode(), result.out() + result.err());
            assertTrue(result.err().contains("--set trainer.beta=-1"), result.err());
            // no progress line: neither a broker nor pi_ref was started (before, both were, then the error came)
            assertTrue(result.out().isEmpty(), "nothing started: " + result.out());
        }
    }

    @Test
    void tooFewPromptsAreRefusedNamingTheFlag() {
        var result = Cli.run("bench", "soak", "--prompts", "20");
        assertEquals(2, result.exitCode(), result.out() + result.err());
        assertTrue(result.err().contains("--prompts: expected at least 100"), result.err());
    }
}
