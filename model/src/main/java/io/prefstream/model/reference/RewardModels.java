package io.prefstream.model.reference;

import ai.djl.Device;
import io.prefstream.model.checkpoint.CheckpointException;
import io.prefstream.model.checkpoint.Checkpoints;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.reward.PreferencePair;
import io.prefstream.model.reward.RewardModel;
import io.prefstream.model.reward.RewardModelTraining;
import io.prefstream.model.train.ProgressListener;
import io.prefstream.tasks.Task;
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
 * Its pairwise accuracy on π_ref pairs for the task's held-out evaluation prompts (never among the
 * training prompts) is logged and kept in the checkpoint's metadata ({@value #HELD_OUT_ACCURACY}): a weak reward model is what an online
 * policy learns to exploit. Cached next to π_ref, keyed by π_ref's spec and the training options.
 *
 * <p>Measured on the default arithmetic π_ref (pairs from K = 4, batch 64, lr 1e-3): 16,174 pairs
 * and 3,000 steps (2 min on 2 cores) order 83.5 % of the held-out pairs correctly; 1,606 pairs and
 * 400 steps left a model whose policy collapsed under online DPO (see the README's known limits).
 */
public final class RewardModels {

    private static final Logger log = LoggerFactory.getLogger(RewardModels.class);
    /** Offset of the training prompts' seed from the run seed, keeping them apart from the offline set's. */
    private static final long PAIR_SEED_OFFSET = 7_919;
    /** Offset of the held-out pairs' sampling seed. */
    private static final long HELD_OUT_SEED_OFFSET = 104_729;
    /** Most held-out prompts (the task's evaluation prompts, never among the training prompts). */
    private static final int HELD_OUT_PROMPTS = 1000;
    /** Checkpoint metadata key of the held-out pairwise accuracy. */
    public static final String HELD_OUT_ACCURACY = "heldout_pairwise_accuracy";

    private RewardModels() {}

    /** The reward model's checkpoint directory, trained first when the cache holds none. */
    public static Path prepare(
            ReferenceSpec reference,
            Path referenceCheckpoint,
            OfflinePreferenceSet.Options pairs,
            RewardModelTraining.Options training,
            Path cacheDir,
            Device device,
            ProgressListener listener) {
        // "eval-held-out": models cached before the held-out pairs came from the evaluation prompts are retrained
        String key =
                reference.key() + "-rm-" + Integer.toHexString((pairs + "|" + training + "|eval-held-out").hashCode());
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
            var task = reference.task();
            long seed = pairs.seed() + PAIR_SEED_OFFSET;
            var ranked = rankedPairs(task, policy, task.prompts(seed, pairs.prompts()), pairs.k(), seed);
            var heldOut = rankedPairs(
                    task,
                    policy,
                    task.evalPrompts(Math.min(HELD_OUT_PROMPTS, task.evalPromptCount())),
                    pairs.k(),
                    pairs.seed() + HELD_OUT_SEED_OFFSET);
            try (RewardModel model = RewardModel.fromPolicy(policy)) {
                var summary = RewardModelTraining.train(model, ranked, training, listener);
                double heldOutAccuracy =
                        heldOut.isEmpty() ? Double.NaN : RewardModelTraining.pairwiseAccuracy(model, heldOut);
                log.info(
                        "Reward model trained on {} pairs in {} s: loss {}, pairwise accuracy {} on them, {} on {} "
                                + "held-out pairs",
                        ranked.size(),
                        summary.seconds(),
                        summary.finalLoss(),
                        summary.pairwiseAccuracy(),
                        heldOutAccuracy,
                        heldOut.size());
                Checkpoints.save(
                        dir,
                        model,
                        null,
                        Map.of(
                                "role",
                                "reward-model",
                                "reference",
                                reference.key(),
                                "pairwise_accuracy",
                                Double.toString(summary.pairwiseAccuracy()),
                                HELD_OUT_ACCURACY,
                                Double.toString(heldOutAccuracy)));
            }
        }
        return dir;
    }

    /** The held-out pairwise accuracy recorded in the reward model at {@code dir}, if any. */
    public static OptionalDouble heldOutAccuracy(Path dir) {
        String value = Checkpoints.readManifest(dir).metadata().get(HELD_OUT_ACCURACY);
        return value == null ? OptionalDouble.empty() : OptionalDouble.of(Double.parseDouble(value));
    }

    /** π_ref's best-vs-worst-of-k pairs on {@code prompts}, as reward-model training pairs. */
    private static List<PreferencePair> rankedPairs(
            Task task, CausalLm policy, List<String> prompts, int k, long seed) {
        return OfflinePreferenceSet.build(task, policy, prompts, k, seed).stream()
                .map(p -> new PreferencePair(
                        p.prompt(), p.chosen().text(), p.rejected().text()))
                .toList();
    }
}
