package io.prefstream.model.reference;

import ai.djl.Device;
import io.prefstream.model.checkpoint.CheckpointException;
import io.prefstream.model.checkpoint.Checkpoints;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.tokenizer.Tokenizers;
import io.prefstream.model.train.ProgressListener;
import io.prefstream.model.train.Sft;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains the reference policy π_ref once per {@link ReferenceSpec} and keeps it in a cache
 * directory ({@code <cache>/<spec key>/}, a verified checkpoint plus {@code spec.txt}); later
 * runs with the same spec load it instead of training again. A cached checkpoint that fails
 * verification is retrained, never used.
 */
public final class ReferencePolicies {

    private static final Logger log = LoggerFactory.getLogger(ReferencePolicies.class);
    private static final String SPEC_FILE = "spec.txt";

    private ReferencePolicies() {}

    /**
     * Makes {@code target} a copy of the checkpoint in {@code checkpoint} (e.g. {@code <data-dir>/reference},
     * where the trainer looks by default). Nothing is copied when {@code target} already holds the
     * same weights; otherwise the copy is assembled next to it and moved into place.
     *
     * @return whether anything was copied
     */
    public static boolean install(Path checkpoint, Path target) {
        var source = Checkpoints.verify(checkpoint, null);
        if (Files.isRegularFile(target.resolve(Checkpoints.MANIFEST))) {
            try {
                if (Checkpoints.verify(target, source.weightsSha256()) != null) {
                    return false;
                }
            } catch (CheckpointException e) {
                log.info("Replacing {}: {}", target, e.getMessage());
            }
        }
        Path tmp = target.toAbsolutePath().resolveSibling("." + target.getFileName() + ".tmp-" + System.nanoTime());
        try {
            Files.createDirectories(tmp);
            try (var files = Files.list(checkpoint)) {
                for (Path f : files.toList()) {
                    Files.copy(f, tmp.resolve(f.getFileName()));
                }
            }
            if (Files.exists(target)) {
                try (var old = Files.walk(target)) {
                    for (Path p :
                            old.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
            Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            Checkpoints.verify(target, source.weightsSha256());
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot install the reference policy into " + target, e);
        }
    }

    /** What {@link #prepare} found or did. */
    public record Prepared(Path checkpoint, boolean trained, double sftSeconds, double sftFinalLoss) {}

    /**
     * The checkpoint directory of π_ref for {@code spec} under {@code cacheDir}, training it first
     * when the cache holds no valid one.
     *
     * @param listener SFT progress (not called when the cache hits)
     */
    public static Prepared prepare(ReferenceSpec spec, Path cacheDir, Device device, ProgressListener listener) {
        Path dir = cacheDir.resolve(spec.key()).toAbsolutePath();
        if (Files.isRegularFile(dir.resolve(Checkpoints.MANIFEST))) {
            try {
                Checkpoints.verify(dir, null);
                log.info("Reference policy {} loaded from cache {}", spec.key(), dir);
                return new Prepared(dir, false, 0, Double.NaN);
            } catch (CheckpointException e) {
                log.warn(
                        "Cached reference policy in {} fails verification ({}); training it again",
                        dir,
                        e.getMessage());
            }
        }
        log.info("Training reference policy {}: {}", spec.key(), spec.describe());
        var tokenizer = Tokenizers.forSpec(spec.task().tokenizerSpec());
        var corpus = spec.task().sftCorpus(spec.seed(), spec.corpusSize());
        try (CausalLm policy = CausalLm.create(spec.model(), tokenizer, device, spec.seed())) {
            var summary = Sft.train(policy, corpus, spec.sft(), listener);
            // a Hugging Face family is cached as a complete Hugging Face folder (model.safetensors too)
            Checkpoints.save(
                    dir,
                    policy,
                    null,
                    Map.of(
                            "role",
                            "reference",
                            "spec_key",
                            spec.key(),
                            "sft_final_loss",
                            Double.toString(summary.finalLoss())),
                    true);
            Files.writeString(dir.resolve(SPEC_FILE), spec.describe() + "\n", StandardCharsets.UTF_8);
            return new Prepared(dir, true, summary.seconds(), summary.finalLoss());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + dir.resolve(SPEC_FILE), e);
        }
    }
}
