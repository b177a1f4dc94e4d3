package io.prefstream.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.prefstream.model.LmConfig;
import io.prefstream.model.eval.PolicyEvaluator;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.tokenizer.Tokenizers;
import io.prefstream.tasks.ArithmeticTask;
import org.junit.jupiter.api.Test;

class SftTest {

    @Test
    void shortSftRaisesGoldRewardAndIsDeterministic() {
        var task = new ArithmeticTask();
        var tk = Tokenizers.forSpec(task.tokenizerSpec());
        var config = new LmConfig(tk.vocabSize(), 32, 2, 2, 128, 16);
        var options = new SftOptions(250, 32, 5e-3, 25, 0.1, AdamWOptions.defaults(), 3);
        var corpus = task.sftCorpus(1, 4000);
        var evaluator = new PolicyEvaluator(task);
        var evalOptions = new PolicyEvaluator.Options(200, 1.0, 9);
        try (var a = CausalLm.create(config, tk, Device.cpu(), 11);
                var b = CausalLm.create(config, tk, Device.cpu(), 11)) {
            double before = evaluator.evaluate(a, null, evalOptions).goldRewardMean();
            var summary = Sft.train(a, corpus, options, ProgressListener.none());
            double after = evaluator.evaluate(a, null, evalOptions).goldRewardMean();
            assertTrue(after > before + 0.3, "gold reward " + before + " -> " + after);
            assertTrue(
                    summary.finalLoss() < summary.lossCurve().get(0) * 0.6,
                    "loss " + summary.lossCurve().get(0) + " -> " + summary.finalLoss());
            // same seed, same initial weights: the same run, bit for bit
            var again = Sft.train(b, corpus, options.withSteps(20), ProgressListener.none());
            var first20 = Sft.train(
                    CausalLm.create(config, tk, Device.cpu(), 11),
                    corpus,
                    options.withSteps(20),
                    ProgressListener.none());
            assertEquals(first20.lossCurve(), again.lossCurve());
        }
    }
}
