package io.prefstream.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configuration of the single-service commands: file, then flags; bad values named with their key. */
class ServiceCommandsTest {

    @TempDir
    Path dir;

    @Test
    void printConfigShowsEachValueAndWhereItCameFrom() throws Exception {
        Path file = Files.writeString(dir.resolve("trainer.properties"), "trainer.beta=0.25\nbatcher.batch-size=8\n");
        var result =
                Cli.run("trainer", "--config", file.toString(), "--set", "batcher.batch-size=12", "--print-config");
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.out().contains("trainer.beta = 0.25  (file " + file + ")"), result.out());
        assertTrue(result.out().contains("batcher.batch-size = 12  (flag --set batcher.batch-size=12)"), result.out());
        assertTrue(result.out().contains("trainer.objective = online-dpo  (default)"), result.out());
    }

    @Test
    void invalidOrUnknownSettingsStopStartUpWithTheKey() {
        var bad = Cli.run("generator", "--set", "generator.batch-size=0", "--print-config");
        assertEquals(PrefstreamCommand.EXIT_USAGE, bad.exitCode());
        assertTrue(
                bad.err()
                        .contains(
                                "Invalid value '0' for generator.batch-size (from flag --set generator.batch-size=0)"),
                bad.err());
        var unknown = Cli.run("labeler", "--set", "labeler.machin=rule", "--print-config");
        assertEquals(PrefstreamCommand.EXIT_USAGE, unknown.exitCode());
        assertTrue(unknown.err().contains("labeler.machin"), unknown.err());
    }
}
