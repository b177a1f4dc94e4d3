package io.prefstream.trainer.loop;

import io.prefstream.model.checkpoint.CheckpointException;
import io.prefstream.model.checkpoint.CheckpointManifest;
import io.prefstream.model.checkpoint.Checkpoints;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.train.AdamW;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer's checkpoint directory: one sub-directory {@code step-NNNNNNNNNNNN} per checkpoint,
 * each written atomically by {@link Checkpoints#save} (weights, AdamW state, {@link TrainerState}).
 * The latest is the highest step; older ones beyond the retention are deleted, except those a
 * newer checkpoint still needs (its π_ref under reference=refresh).
 */
public final class CheckpointStore {

    private static final Logger log = LoggerFactory.getLogger(CheckpointStore.class);
    private static final Pattern NAME = Pattern.compile("step-(\\d{12})");

    /** A checkpoint on disk with its trainer state. */
    public record Entry(Path dir, CheckpointManifest manifest, TrainerState state) {}

    private final Path root;
    private final int retention;
    private final boolean huggingFace;

    public CheckpointStore(Path root, int retention) {
        this(root, retention, false);
    }

    /** @param huggingFace whether checkpoints of a Hugging Face policy also get model.safetensors */
    public CheckpointStore(Path root, int retention, boolean huggingFace) {
        if (retention < 1) {
            throw new IllegalArgumentException("checkpoint retention must be >= 1, found " + retention);
        }
        this.root = root;
        this.retention = retention;
        this.huggingFace = huggingFace;
    }

    public Path root() {
        return root;
    }

    /** The directory of the checkpoint at {@code step}. */
    public Path dirOf(long step) {
        return root.resolve(String.format("step-%012d", step));
    }

    /** The checkpoint with the highest step, if any. */
    public Optional<Entry> latest() {
        List<Path> dirs = stepDirs();
        if (dirs.isEmpty()) {
            return Optional.empty();
        }
        Path dir = dirs.get(dirs.size() - 1);
        CheckpointManifest manifest = Checkpoints.readManifest(dir);
        return Optional.of(new Entry(dir, manifest, TrainerState.fromMetadata(manifest.metadata(), dir.toString())));
    }

    /** Atomically writes the policy, optimizer state and trainer state; returns the entry written. */
    public Entry save(CausalLm policy, AdamW optimizer, TrainerState state) {
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new CheckpointException("cannot create checkpoint directory " + root + ": " + e.getMessage(), e);
        }
        Path dir = dirOf(state.step());
        CheckpointManifest manifest = Checkpoints.save(dir, policy, optimizer, state.toMetadata(), huggingFace);
        return new Entry(dir, manifest, state);
    }

    /** Deletes all but the newest {@code retention} checkpoints, keeping the steps in {@code keep}. */
    public void prune(Set<Long> keep) {
        List<Path> dirs = stepDirs();
        for (int i = 0; i < dirs.size() - retention; i++) {
            Path dir = dirs.get(i);
            if (keep.contains(stepOf(dir))) {
                continue;
            }
            delete(dir);
            log.debug("Pruned checkpoint {}", dir);
        }
    }

    private List<Path> stepDirs() {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(root)) {
            return list.filter(p -> NAME.matcher(p.getFileName().toString()).matches())
                    .filter(p -> Files.isRegularFile(p.resolve(Checkpoints.MANIFEST)))
                    .sorted(Comparator.comparingLong(CheckpointStore::stepOf))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoints in " + root, e);
        }
    }

    private static long stepOf(Path dir) {
        var m = NAME.matcher(dir.getFileName().toString());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a checkpoint directory name: " + dir);
        }
        return Long.parseLong(m.group(1));
    }

    private static void delete(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            log.warn("Could not delete old checkpoint {}: {}", dir, e.toString());
        }
    }
}
