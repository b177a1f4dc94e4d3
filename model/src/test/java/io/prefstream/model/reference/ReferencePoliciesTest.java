package io.prefstream.model.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.prefstream.model.LmConfig;
import io.prefstream.model.TestModels;
import io.prefstream.model.checkpoint.Checkpoints;
import io.prefstream.model.reward.RewardModelTraining;
import io.prefstream.model.tokenizer.Tokenizers;
import io.prefstream.model.train.ProgressListener;
import io.prefstream.model.train.SftOptions;
import io.prefstream.tasks.ArithmeticTask;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** π_ref's spec and cache, and the reward model cached next to it. */
class ReferencePoliciesTest {

    @Test
    void referenceSpecKeyFollowsEveryField() {
        var task = new ArithmeticTask();
        var model = LmConfig.tiny(TestModels.ARITH.vocabSize());
        var sft = SftOptions.defaults();
        var spec = new ReferenceSpec(task, model, sft, 100, 1);
        assertEquals(spec.key(), new ReferenceSpec(task, model, sft, 100, 1).key());
        assertTrue(spec.key().matches(task.name() + "-[0-9a-f]{16}"), spec.key());
        assertNotEquals(spec.key(), new ReferenceSpec(task, model, sft, 101, 1).key());
        assertNotEquals(spec.key(), new ReferenceSpec(task, model, sft, 100, 2).key());
        assertThrows(IllegalArgumentException.class, () -> new ReferenceSpec(task, model, sft, 0, 1));
    }

    @Test
    void referencePolicyAndRewardModelAreTrainedOnceThenLoadedFromTheCache(@TempDir Path cache) {
        var task = new ArithmeticTask();
        int vocab = Tokenizers.forSpec(task.tokenizerSpec()).vocabSize();
        var spec = new ReferenceSpec(
                task, LmConfig.tiny(vocab), SftOptions.defaults().withSteps(5), 64, 1);

        var trained = ReferencePolicies.prepare(spec, cache, Device.cpu(), ProgressListener.none());
        assertTrue(trained.trained());
        assertEquals(cache.resolve(spec.key()).toAbsolutePath(), trained.checkpoint());
        var cached = ReferencePolicies.prepare(spec, cache, Device.cpu(), ProgressListener.none());
        assertFalse(cached.trained());
        assertEquals(trained.checkpoint(), cached.checkpoint());

        Path installed = cache.resolve("installed");
        assertTrue(ReferencePolicies.install(trained.checkpoint(), installed));
        assertFalse(ReferencePolicies.install(trained.checkpoint(), installed), "same weights: nothing copied");

        var pairs = new OfflinePreferenceSet.Options(16, 4, 1);
        var training = new RewardModelTraining.Options(3, 8, 1e-3, 1, 1);
        Path rewardModel = RewardModels.prepare(
                spec, trained.checkpoint(), pairs, training, cache, Device.cpu(), ProgressListener.none());
        assertEquals(
                "reward-model", Checkpoints.readManifest(rewardModel).metadata().get("role"));
        assertTrue(RewardModels.heldOutAccuracy(rewardModel).isPresent());
        assertEquals(
                rewardModel,
                RewardModels.prepare(
                        spec,
                        trained.checkpoint(),
                        pairs,
                        training,
                        cache,
                        Device.cpu(),
                        (step, total, loss, lr, elapsed) -> {
                            throw new AssertionError("the cached reward model is trained again");
                        }));
    }
}
