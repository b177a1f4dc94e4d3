package io.prefstream.model.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.prefstream.model.TestModels;
import io.prefstream.model.reward.RewardModel;
import io.prefstream.model.train.AdamW;
import io.prefstream.model.train.AdamWOptions;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Sampling, scoring and training steps leave nothing attached to long-lived managers. */
class NativeMemoryTest {

    @Test
    void loopsDoNotGrowLongLivedManagers() {
        try (var lm = TestModels.tinyLm(1);
                var ref = lm.frozenCopy();
                var adam = new AdamW(lm.parameters(), AdamWOptions.defaults());
                var rm = RewardModel.fromPolicy(lm)) {
            int params = lm.parameters().names().size();
            var tk = lm.tokenizer();
            var prompts = List.of(tk.encodePrompt("1+2="), tk.encodePrompt("33+44="));
            lm.setTrainable(true);
            for (int i = 0; i < 5; i++) {
                var completions = Sampler.sample(lm, prompts, 2, SamplingOptions.of(1.0, 5, i));
                var batch = ScoringBatch.ofCompletions(prompts, completions, tk.pad());
                LogProbs.klNoGrad(lm, ref, batch, 1.0);
                try (NDManager scope = NDManager.newBaseManager();
                        var gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                    var loss = LogProbs.sequence(scope, lm, batch, 1.0)
                            .mean()
                            .neg()
                            .add(LogProbs.kl(scope, lm, ref, batch, 1.0).mean());
                    gc.backward(loss);
                }
                adam.step(1e-3);
                rm.score(List.of("1+2="), List.of("3"));
                assertEquals(params, lm.parameters().managedArrayCount(), "policy manager after iteration " + i);
                assertEquals(params, ref.parameters().managedArrayCount(), "reference manager after iteration " + i);
                assertEquals(rm.parameters().names().size(), rm.parameters().managedArrayCount());
            }
        }
    }
}
