package io.prefstream.model.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.prefstream.model.LmConfig;
import io.prefstream.model.TestModels;
import io.prefstream.model.train.ProgressListener;
import io.prefstream.tasks.ArithmeticTask;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RewardModelTest {

    @Test
    void bradleyTerryHandComputed() {
        try (NDManager m = NDManager.newBaseManager()) {
            // d = (1, -2, 30): mean(log(1 + e^-1), log(1 + e^2), log(1 + e^-30))
            var loss = BradleyTerry.loss(m.create(new float[] {1f, 0f, 40f}), m.create(new float[] {0f, 2f, 10f}));
            double expected = (Math.log1p(Math.exp(-1)) + Math.log1p(Math.exp(2)) + Math.log1p(Math.exp(-30))) / 3;
            assertEquals(expected, loss.getFloat(), 1e-6);
            var big = BradleyTerry.loss(m.create(new float[] {-100f}), m.create(new float[] {100f}));
            assertEquals(200.0, big.getFloat(), 1e-3); // stable: no overflow to inf
        }
    }

    @Test
    void learnsSyntheticPreferencesToHighPairwiseAccuracy() {
        // known rule: the response with more '7's is preferred; pairs on held-out prompts with fresh
        // responses measure generalisation, not memorisation
        var task = new ArithmeticTask();
        var rng = new Random(4);
        var train = pairs(task.prompts(1, 2000), rng);
        var heldOut = pairs(task.evalPrompts(300), rng);
        try (var rm =
                RewardModel.create(LmConfig.tiny(TestModels.ARITH.vocabSize()), TestModels.ARITH, Device.cpu(), 2)) {
            double before = RewardModelTraining.pairwiseAccuracy(rm, heldOut);
            var summary = RewardModelTraining.train(
                    rm, train, new RewardModelTraining.Options(150, 32, 3e-3, 15, 5), ProgressListener.none());
            double after = RewardModelTraining.pairwiseAccuracy(rm, heldOut);
            assertTrue(before < 0.75, "untrained accuracy " + before);
            assertTrue(summary.pairwiseAccuracy() > 0.9, "train accuracy " + summary);
            assertTrue(after > 0.9, "held-out accuracy " + before + " -> " + after);
        }
    }

    private static List<PreferencePair> pairs(List<String> prompts, Random rng) {
        var out = new ArrayList<PreferencePair>();
        for (String p : prompts) {
            while (true) {
                String a = digits(rng);
                String b = digits(rng);
                long sevensA = a.chars().filter(c -> c == '7').count();
                long sevensB = b.chars().filter(c -> c == '7').count();
                if (sevensA != sevensB) {
                    out.add(sevensA > sevensB ? new PreferencePair(p, a, b) : new PreferencePair(p, b, a));
                    break;
                }
            }
        }
        return out;
    }

    private static String digits(Random rng) {
        var sb = new StringBuilder();
        int n = 1 + rng.nextInt(3);
        for (int i = 0; i < n; i++) {
            sb.append(rng.nextInt(3) == 0 ? '7' : (char) ('0' + rng.nextInt(10)));
        }
        return sb.toString();
    }
}
