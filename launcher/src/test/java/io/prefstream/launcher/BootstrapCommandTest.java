package io.prefstream.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prefstream.model.checkpoint.Checkpoints;
import io.prefstream.platform.testing.EmbeddedKafkaExtension;
import io.prefstream.schemas.PreferencePair;
import io.prefstream.schemas.topics.Topics;
import io.prefstream.tasks.Tasks;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code prefstream bootstrap}, the compose one-shot job, run twice: the second run adds nothing. */
class BootstrapCommandTest {

    @RegisterExtension
    static EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.perClass();

    @TempDir
    Path dir;

    @Test
    void secondRunCreatesNothingAndDoesNotDuplicateTheOfflineSet() {
        String registry = "mock://bootstrap-test";
        String[] args = {
            "bootstrap",
            "--task",
            "arithmetic",
            "--profile",
            "tiny",
            "--data-dir",
            dir.toString(),
            "--cache-dir",
            TestCache.DIR.toString(),
            "--bootstrap",
            kafka.bootstrapServers(),
            "--registry",
            registry,
            "--partitions",
            "2"
        };

        var first = Cli.run(args);
        assertEquals(0, first.exitCode(), first.out() + first.err());
        assertTrue(first.out().contains("Topics: " + Topics.all().size() + " created, 0 already present"), first.out());
        assertTrue(first.out().contains("π_ref installed in " + dir.resolve("reference")), first.out());
        var pairs = TopicContents.readAll(
                kafka.bootstrapServers(), registry, Topics.OFFLINE_PREFERENCES.name(), PreferencePair.class);
        assertTrue(pairs.size() > 100, "offline set of the tiny profile: " + pairs.size() + " pairs");
        var task = Tasks.byName("arithmetic");
        for (var record : pairs) {
            PreferencePair p = record.value();
            assertTrue(
                    task.goldReward(p.getPromptText(), p.getChosenText())
                            > task.goldReward(p.getPromptText(), p.getRejectedText()),
                    "chosen beats rejected: " + p);
            assertEquals(p.getId(), record.key());
        }
        String installedSha = Checkpoints.readManifest(dir.resolve("reference")).weightsSha256();

        var second = Cli.run(args);
        assertEquals(0, second.exitCode(), second.out() + second.err());
        assertTrue(
                second.out().contains("Topics: 0 created, " + Topics.all().size() + " already present"), second.out());
        assertTrue(second.out().contains("π_ref loaded from cache"), second.out());
        assertTrue(second.out().contains("π_ref already installed in"), second.out());
        assertTrue(
                second.out()
                        .contains("Offline preference set already on prefstream.offline-preferences (" + pairs.size()
                                + " records); not rebuilt"),
                second.out());
        assertEquals(
                pairs.size(),
                TopicContents.readAll(
                                kafka.bootstrapServers(),
                                registry,
                                Topics.OFFLINE_PREFERENCES.name(),
                                PreferencePair.class)
                        .size(),
                "no duplicates");
        assertEquals(
                installedSha, Checkpoints.readManifest(dir.resolve("reference")).weightsSha256());
    }
}
