package io.prefstream.launcher.reference;

import ai.djl.Device;
import io.prefstream.model.checkpoint.CheckpointException;
import io.prefstream.model.checkpoint.Checkpoints;
import io.prefstream.model.reward.PreferencePair;
import io.prefstream.model.reward.RewardModel;
import io.prefstream.model.reward.RewardModelTraining;
import io.prefstream.model.train.ProgressListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reward model behind {@code --labeling reward-model}: warm-started from π_ref's trunk and fit
 * with the Bradley–Terry loss to π_ref's own samples ranked by the task's gold reward (best vs
 * worst of K per prompt, drawn with a seed of their own so they differ from the offline set).
 * Cached next to π_ref, keyed by π_ref's spec and the training options.
 */
public final class RewardModels {

    private static final Logger log = LoggerFactory.getLogger(RewardModels.class);
    /** Offset of the training prompts' seed from the run seed, keeping them apart from the offline set's. */
    private static final long PAIR_SEED_OFFSET = 7_919;

    private RewardModels() {
    }

    /** The reward model's checkpoint directory, trained first when the cache holds none. */
    public static Path prepare(ReferenceSpec reference, Path referenceCheckpoint, OfflinePreferenceSet.Options pairs,
                               RewardModelTraining.Options training, Path cacheDir, Device device,
                               ProgressListener listener) {
        String key = reference.key() + "-rm-" + Integer.toHexString((pairs + "|" + training).hashCode());
        Path dir = cacheDir.resolve(key).toAbsolutePath();
        if (Files.isRegularFile(dir.resolve(Checkpoints.MANIFEST))) {
            try {
                Checkpoints.verify(dir, null);
                log.info("Reward model loaded from cache {}", dir);
                return dir;
            } catch (CheckpointException e) {
                log.warn("Cached reward model in {} fails verification ({}); training it again", dir, e.getMessage());
            }
        }
        try (var policy = Checkpoints.loadPolicy(referenceCheckpoint, device)) {
            var options = new OfflinePreferenceSet.Options(pairs.prompts(), pairs.k(), pairs.seed() + PAIR_SEED_OFFSET);
            var ranked = OfflinePreferenceSet.build(reference.task(), policy, options).stream()
                    .map(p -> new PreferencePair(p.getPromptText(), p.getChosenText(), p.getRejectedText()))
                    .toList();
            try (RewardModel model = RewardModel.fromPolicy(policy)) {
                var summary = RewardModelTraining.train(model, ranked, training, listener);
                log.info("Reward model trained on {} pairs in {} s: loss {}, pairwise accuracy {}", ranked.size(),
                        summary.seconds(), summary.finalLoss(), summary.pairwiseAccuracy());
                Checkpoints.save(dir, model, null, Map.of("role", "reward-model", "reference", reference.key(),
                        "pairwise_accuracy", Double.toString(summary.pairwiseAccuracy())));
            }
        }
        return dir;
    }
}
