package io.prefstream.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.prefstream.model.LmConfig;
import io.prefstream.model.TestModels;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.lm.LogProbs;
import io.prefstream.model.lm.Sampler;
import io.prefstream.model.lm.SamplingOptions;
import io.prefstream.model.lm.ScoringBatch;
import io.prefstream.model.reward.RewardModel;
import io.prefstream.model.train.AdamW;
import io.prefstream.model.train.AdamWOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointsTest {

    @TempDir
    Path tmp;

    private static final List<String> PROMPTS = List.of("1+2=", "47+38=");
    private static final List<String> RESPONSES = List.of("3", "85");

    private static void sftStep(CausalLm lm, AdamW adam) {
        var batch = ScoringBatch.ofText(lm.tokenizer(), PROMPTS, RESPONSES, List.of(true, true));
        try (NDManager scope = NDManager.newBaseManager();
                var gc = Engine.getEngine("PyTorch").newGradientCollector()) {
            var loss = LogProbs.sequence(scope, lm, batch, 1.0).neg().mean();
            gc.backward(loss);
        }
        adam.step(1e-2);
    }

    @Test
    void roundTripReproducesOutputsBitForBit() {
        Path dir = tmp.resolve("ckpt");
        try (CausalLm lm = TestModels.tinyLm(1)) {
            var manifest = Checkpoints.save(dir, lm, null, Map.of("policy_version", "7"));
            assertEquals(64, manifest.weightsSha256().length());
            assertEquals(Checkpoints.sha256(dir.resolve(Checkpoints.WEIGHTS)), manifest.weightsSha256());
            assertEquals(lm.config().lmParameterCount(), manifest.parameterCount());
            try (CausalLm loaded = Checkpoints.loadPolicy(dir, Device.cpu(), manifest.weightsSha256(), lm.config())) {
                var opts = SamplingOptions.of(1.0, 5, 3);
                var a = Sampler.sampleText(lm, PROMPTS, 3, opts);
                var b = Sampler.sampleText(loaded, PROMPTS, 3, opts);
                for (int i = 0; i < a.size(); i++) {
                    assertArrayEquals(a.get(i).tokens(), b.get(i).tokens());
                    assertArrayEquals(a.get(i).tokenLogProbs(), b.get(i).tokenLogProbs(), 0f);
                }
                for (String name : lm.parameters().names()) {
                    assertArrayEquals(
                            lm.parameters().get(name).toFloatArray(),
                            loaded.parameters().get(name).toFloatArray(),
                            0f,
                            name);
                }
                assertEquals("7", Checkpoints.readManifest(dir).metadata().get("policy_version"));
            }
            // overwrite in place (atomic replace), no temp dirs left behind
            Checkpoints.save(dir, lm);
            assertEquals(List.of("ckpt"), list(tmp));
        }
    }

    @Test
    void tamperedWeightsRejected() throws IOException {
        Path dir = tmp.resolve("ckpt");
        try (CausalLm lm = TestModels.tinyLm(1)) {
            Checkpoints.save(dir, lm);
        }
        byte[] bytes = Files.readAllBytes(dir.resolve(Checkpoints.WEIGHTS));
        bytes[bytes.length - 3] ^= 1;
        Files.write(dir.resolve(Checkpoints.WEIGHTS), bytes);
        var e = assertThrows(CheckpointException.class, () -> Checkpoints.loadPolicy(dir, Device.cpu()));
        assertTrue(e.getMessage().contains("sha256 mismatch"), e.getMessage());
    }

    @Test
    void publishedHashAndConfigMismatchRejected() throws IOException {
        Path dir = tmp.resolve("ckpt");
        try (CausalLm lm = TestModels.tinyLm(1)) {
            Checkpoints.save(dir, lm);
            var wrongHash = assertThrows(
                    CheckpointException.class, () -> Checkpoints.loadPolicy(dir, Device.cpu(), "ab".repeat(32), null));
            assertTrue(wrongHash.getMessage().contains("was expected"), wrongHash.getMessage());
            var other = new LmConfig(lm.config().vocabSize(), 32, 3, 2, 64, 32);
            var wrongConfig = assertThrows(
                    CheckpointException.class, () -> Checkpoints.loadPolicy(dir, Device.cpu(), null, other));
            assertTrue(
                    wrongConfig.getMessage().contains("n_layers")
                            || wrongConfig.getMessage().contains("nLayers"),
                    wrongConfig.getMessage());
        }
        // a manifest whose config disagrees with the stored tensors
        Path manifest = dir.resolve(Checkpoints.MANIFEST);
        Files.writeString(manifest, Files.readString(manifest).replace("config.d_ff=64", "config.d_ff=128"));
        var e = assertThrows(CheckpointException.class, () -> Checkpoints.loadPolicy(dir, Device.cpu()));
        assertTrue(e.getMessage().contains("layout mismatch"), e.getMessage());
        // a policy checkpoint is not a reward model
        var kind = assertThrows(CheckpointException.class, () -> Checkpoints.loadReward(dir, Device.cpu()));
        assertTrue(kind.getMessage().contains("'policy'"), kind.getMessage());
    }

    @Test
    void optimizerStateRoundTripGivesExactResume() {
        Path dir = tmp.resolve("ckpt");
        float[] continued;
        try (CausalLm lm = TestModels.tinyLm(5);
                AdamW adam = new AdamW(lm.parameters(), AdamWOptions.defaults())) {
            lm.setTrainable(true);
            sftStep(lm, adam);
            sftStep(lm, adam);
            Checkpoints.save(dir, lm, adam, Map.of());
            sftStep(lm, adam);
            sftStep(lm, adam);
            continued = lm.parameters().get("h0.attn.qkv.w").toFloatArray();
        }
        try (CausalLm lm = Checkpoints.loadPolicy(dir, Device.cpu());
                AdamW adam = new AdamW(lm.parameters(), AdamWOptions.defaults())) {
            Checkpoints.loadOptimizer(dir, adam);
            assertEquals(2, adam.stepCount());
            lm.setTrainable(true);
            sftStep(lm, adam);
            sftStep(lm, adam);
            assertArrayEquals(continued, lm.parameters().get("h0.attn.qkv.w").toFloatArray(), 0f);
        }
    }

    @Test
    void rewardModelRoundTrip() {
        Path dir = tmp.resolve("rm");
        try (var rm =
                RewardModel.create(LmConfig.tiny(TestModels.ARITH.vocabSize()), TestModels.ARITH, Device.cpu(), 3)) {
            Checkpoints.save(dir, rm);
            try (var loaded = Checkpoints.loadReward(dir, Device.cpu())) {
                assertArrayEquals(rm.score(PROMPTS, RESPONSES), loaded.score(PROMPTS, RESPONSES), 0.0);
            }
        }
    }

    private static List<String> list(Path dir) {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }
}
