package io.prefstream.launcher;

import io.prefstream.launcher.load.OfflinePairsFile;
import io.prefstream.platform.kafka.TopicWriter;
import io.prefstream.schemas.PreferencePair;
import io.prefstream.schemas.topics.Topics;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code prefstream offline}: the offline preference dataset. */
@Command(
        name = "offline",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        description = "Manage the offline preference dataset (topic " + "prefstream.offline-preferences" + ").",
        subcommands = OfflineCommand.Load.class)
public final class OfflineCommand extends CommandGroup {

    /** {@code prefstream offline load FILE}. */
    @Command(
            name = "load",
            mixinStandardHelpOptions = true,
            header = "Load a JSONL file of preference pairs (all or nothing).",
            showDefaultValues = true,
            description = {
                "Load preference pairs from a JSON Lines file into prefstream.offline-preferences.",
                "Each line: {\"prompt\": ..., \"chosen\": ..., \"rejected\": ...}, optionally \"id\",",
                "\"source\", \"chosen_reward\", \"rejected_reward\". Every line is validated first;",
                "an invalid file loads nothing (all valid lines go in one transaction)."
            })
    public static final class Load implements Callable<Integer> {

        @Mixin
        ClusterOptions cluster;

        @Parameters(paramLabel = "FILE", description = "JSON Lines file of preference pairs.")
        Path file;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            var pairs = OfflinePairsFile.read(file);
            int written;
            try (TopicWriter<PreferencePair> writer =
                    TopicWriter.open(cluster.clients("prefstream-offline-load"), Topics.OFFLINE_PREFERENCES)) {
                written = writer.writeAll(pairs, pair -> pair.getId());
            }
            spec.commandLine()
                    .getOut()
                    .printf(
                            "Loaded %d offline preference pairs from %s into %s%n",
                            written, file, Topics.OFFLINE_PREFERENCES.name());
            return 0;
        }
    }
}
