package io.prefstream.model.reference;

import io.prefstream.model.LmConfig;
import io.prefstream.model.train.SftOptions;
import io.prefstream.tasks.Task;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Everything that determines the reference policy π_ref: the task (and its SFT corpus size), the
 * model shape, the SFT options and the initialisation seed. Two runs with equal specs train
 * identical weights, so π_ref is cached under {@link #key()}.
 *
 * @param task       the task whose SFT corpus π_ref is trained on
 * @param model      the model shape
 * @param sft        SFT optimiser settings (their seed draws the minibatches)
 * @param corpusSize number of SFT examples drawn from the task
 * @param seed       seed of the weight initialisation and of the corpus draw
 */
public record ReferenceSpec(Task task, LmConfig model, SftOptions sft, int corpusSize, long seed) {

    public ReferenceSpec {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(sft, "sft");
        if (corpusSize < 1) {
            throw new IllegalArgumentException("SFT corpus size must be >= 1, found " + corpusSize);
        }
    }

    /** The canonical text the cache key hashes: every field, in a fixed order. */
    public String describe() {
        return "task=" + task.name() + " (" + task.getClass().getName() + ")"
                + "; model=" + model.toProperties()
                + "; sft=" + sft
                + "; corpus=" + corpusSize
                + "; seed=" + seed;
    }

    /** First 16 hex digits of the SHA-256 of {@link #describe()}: the cache directory name. */
    public String key() {
        try {
            byte[] digest =
                    MessageDigest.getInstance("SHA-256").digest(describe().getBytes(StandardCharsets.UTF_8));
            return task.name() + "-" + HexFormat.of().formatHex(digest).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
