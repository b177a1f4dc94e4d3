package io.prefstream.launcher.reference;

import ai.djl.Device;
import io.prefstream.model.checkpoint.CheckpointException;
import io.prefstream.model.checkpoint.Checkpoints;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.reward.PreferencePair;
import io.prefstream.model.reward.RewardModel;
import io.prefstream.model.reward.RewardModelTraining;
import io.prefstream.model.train.ProgressListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reward model behind {@code --labeling reward-model}: warm-started from π_ref's trunk and fit
 * with the Bradley–Terry loss to π_ref's own samples ranked by the task's gold reward (best vs
 * worst of K per prompt, drawn with a seed of their own so they differ from the offline set).
 * Its pairwise accuracy on pairs drawn with yet another seed is logged and kept in the
 * checkpoint's metadata ({@value #HELD_OUT_ACCURACY}): a weak reward model is what an online
 * policy learns to exploit. Cached next to π_ref, keyed by π_ref's spec and the training options.
 *
 * <p>Measured on the default arithmetic π_ref (pairs from K = 4, batch 64, lr 1e-3): held-out
 * accuracy 0.60 with 1,606 pairs and 400 steps, 0.78 with 8,081 pairs and 1,500 steps, 0.835 with
 * 16,174 pairs and 3,000 steps (2 min on 2 cores).
 */
public final class RewardModels {

    private static final Logger log = LoggerFactory.getLogger(RewardModels.class);
    /** Offset of the training prompts' seed from the run seed, keeping them apart from the offline set's. */
    private static final long PAIR_SEED_OFFSET = 7_919;
    /** Offset of the held-out pairs' seed. */
    private static final long HELD_OUT_SEED_OFFSET = 104_729;
    /** Prompts of the held-out pairs. */
    private static final int HELD_OUT_PROMPTS = 1000;
    /** Checkpoint metadata key of the held-out pairwise accuracy. */
    public static final String HELD_OUT_ACCURACY = "heldout_pairwise_accuracy";

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
            var ranked = rankedPairs(reference, policy,
                    new OfflinePreferenceSet.Options(pairs.prompts(), pairs.k(), pairs.seed() + PAIR_SEED_OFFSET));
            var heldOut = rankedPairs(reference, policy, new OfflinePreferenceSet.Options(
                    Math.min(HELD_OUT_PROMPTS, pairs.prompts()), pairs.k(), pairs.seed() + HELD_OUT_SEED_OFFSET));
            try (RewardModel model = RewardModel.fromPolicy(policy)) {
                var summary = RewardModelTraining.train(model, ranked, training, listener);
                double heldOutAccuracy = RewardModelTraining.pairwiseAccuracy(model, heldOut);
                log.info("Reward model trained on {} pairs in {} s: loss {}, pairwise accuracy {} on them, {} on {} "
                                + "held-out pairs", ranked.size(), summary.seconds(), summary.finalLoss(),
                        summary.pairwiseAccuracy(), heldOutAccuracy, heldOut.size());
                Checkpoints.save(dir, model, null, Map.of("role", "reward-model", "reference", reference.key(),
                        "pairwise_accuracy", Double.toString(summary.pairwiseAccuracy()),
                        HELD_OUT_ACCURACY, Double.toString(heldOutAccuracy)));
            }
        }
        return dir;
    }

    /** The held-out pairwise accuracy recorded in the reward model at {@code dir}, if any. */
    public static OptionalDouble heldOutAccuracy(Path dir) {
        String value = Checkpoints.readManifest(dir).metadata().get(HELD_OUT_ACCURACY);
        return value == null ? OptionalDouble.empty() : OptionalDouble.of(Double.parseDouble(value));
    }

    private static List<PreferencePair> rankedPairs(ReferenceSpec reference, CausalLm policy,
                                                             OfflinePreferenceSet.Options options) {
        return OfflinePreferenceSet.build(reference.task(), policy, options).stream()
                .map(p -> new PreferencePair(p.getPromptText(), p.getChosenText(), p.getRejectedText()))
                .toList();
    }
}
