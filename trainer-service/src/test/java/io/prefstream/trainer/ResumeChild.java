package io.prefstream.trainer;

import io.prefstream.trainer.loop.CheckpointEvent;
import io.prefstream.trainer.loop.CheckpointStore;
import io.prefstream.trainer.loop.TrainerState;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A trainer in its own JVM for {@link KillAndResumeTest}: trains pre-made batches (batcher off)
 * and appends every checkpoint's segment to a log, one line per batch:
 * {@code <checkpoint step> trained|dead <sequence>}.
 *
 * <p>"Trained" is defined by the checkpoints: the log is the concatenation of the segments of
 * successive durable checkpoints. A kill can fall between a checkpoint becoming durable and its log
 * lines being written, so on start the log is reconciled with the latest checkpoint: if that
 * checkpoint is newer than the log's last line, its segment is appended first. Only the latest can
 * be missing, because the next checkpoint is written only after the listener returned.
 *
 * <p>Arguments: bootstrap servers, registry URL, data dir, policy name, log file, max steps.
 */
public final class ResumeChild {

    private ResumeChild() {}

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String registryUrl = args[1];
        Path dataDir = Path.of(args[2]);
        String policy = args[3];
        Path log = Path.of(args[4]);
        String maxSteps = args[5];
        TrainerConfig config = TrainerTestSupport.config(
                bootstrap,
                registryUrl,
                dataDir,
                Map.ofEntries(
                        Map.entry("trainer.policy-name", policy),
                        Map.entry("trainer.group-id", policy),
                        Map.entry("batcher.enabled", "false"),
                        Map.entry("trainer.objective", "dpo"),
                        Map.entry("batcher.online-fraction", "0"),
                        Map.entry("trainer.checkpoint-every", "3"),
                        Map.entry("trainer.checkpoint-retention", "2"),
                        Map.entry("trainer.eval-every", "0"),
                        Map.entry("trainer.eval-prompts", "4"),
                        Map.entry("trainer.max-steps", maxSteps),
                        Map.entry("trainer.lr", "1e-2")));
        reconcile(new CheckpointStore(config.checkpointDir(), config.checkpointRetention()), log);
        try (var service = new TrainerService(config)) {
            service.addCheckpointListener(event -> append(log, event));
            service.start();
            service.done().get(5, TimeUnit.MINUTES);
        }
        System.exit(0);
    }

    private static void reconcile(CheckpointStore store, Path log) throws IOException {
        var latest = store.latest();
        if (latest.isEmpty()) {
            return;
        }
        long logged = -1;
        if (Files.exists(log)) {
            for (String line : Files.readAllLines(log)) {
                logged = Math.max(logged, Long.parseLong(line.split(" ")[0]));
            }
        }
        if (latest.get().state().step() > logged) {
            write(log, lines(latest.get().state()));
        }
    }

    private static void append(Path log, CheckpointEvent event) {
        try {
            write(log, lines(event.state()));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<String> lines(TrainerState state) {
        var out = new ArrayList<String>();
        state.segment().forEach(s -> out.add(state.step() + " trained " + s));
        state.deadLettered().forEach(s -> out.add(state.step() + " dead " + s));
        return out;
    }

    /** Appends and forces the lines to disk, so a SIGKILL right after cannot lose them. */
    private static void write(Path log, List<String> lines) throws IOException {
        if (lines.isEmpty()) {
            return;
        }
        byte[] bytes = (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
        try (FileChannel ch =
                FileChannel.open(log, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ch.write(java.nio.ByteBuffer.wrap(bytes));
            ch.force(true);
        }
    }
}
