package io.prefstream.model.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prefstream.model.TestModels;
import io.prefstream.model.lm.Sampler;
import io.prefstream.model.lm.SamplingOptions;
import io.prefstream.tasks.ArithmeticTask;
import org.junit.jupiter.api.Test;

class PolicyEvaluatorTest {

    @Test
    void policyAgainstItselfTiesEverywhereWithZeroKl() {
        var task = new ArithmeticTask();
        try (var lm = TestModels.tinyLm(3);
                var ref = lm.frozenCopy()) {
            var report = new PolicyEvaluator(task).evaluate(lm, ref, new PolicyEvaluator.Options(40, 1.0, 5));
            assertEquals(40, report.n());
            assertEquals(0.5, report.winRate().orElseThrow(), 0.0); // identical samples: all ties
            assertEquals(0.0, report.klMonteCarlo().orElseThrow(), 1e-5);
            assertEquals(0.0, report.klExact().orElseThrow(), 1e-5);
            // the report's gold reward is the mean over the same samples the sampler draws
            var samples = Sampler.sampleText(
                    lm, task.evalPrompts(40), 1, SamplingOptions.of(1.0, task.maxResponseTokens(), 5));
            double reward = 0;
            double length = 0;
            for (int i = 0; i < 40; i++) {
                reward += task.goldReward(
                        task.evalPrompts(40).get(i), samples.get(i).text());
                length += samples.get(i).length();
            }
            assertEquals(reward / 40, report.goldRewardMean(), 1e-12);
            assertEquals(length / 40, report.meanLength(), 1e-12);
            String json = report.toJson();
            assertTrue(json.startsWith("{\"n\":40,") && json.contains("\"win_rate\":0.500000"), json);
        }
    }

    @Test
    void differentPoliciesHavePositiveKlAndNoReferenceMeansNoKl() {
        var task = new ArithmeticTask();
        try (var lm = TestModels.tinyLm(3);
                var other = TestModels.tinyLm(4)) {
            var evaluator = new PolicyEvaluator(task);
            var report = evaluator.evaluate(lm, other, new PolicyEvaluator.Options(40, 1.0, 5));
            assertTrue(report.klExact().orElseThrow() > 0, report.toString());
            var alone = evaluator.evaluate(lm, null, new PolicyEvaluator.Options(40, 1.0, 5));
            assertTrue(alone.klExact().isEmpty() && alone.winRate().isEmpty());
            assertEquals(report.goldRewardMean(), alone.goldRewardMean(), 0.0);
        }
    }

    /** A proxy reward scores the very samples the gold reward scores: here the proxy is the response length. */
    @Test
    void aProxyRewardScoresTheSameSamples() {
        var task = new ArithmeticTask();
        try (var lm = TestModels.tinyLm(3)) {
            var evaluator = new PolicyEvaluator(task);
            var options = new PolicyEvaluator.Options(40, 1.0, 5);
            var seen = new java.util.ArrayList<String>();
            var report = evaluator.evaluate(lm, null, options, (prompts, responses) -> {
                seen.addAll(responses);
                return responses.stream().mapToDouble(String::length).toArray();
            });
            var samples = Sampler.sampleText(
                    lm, task.evalPrompts(40), 1, SamplingOptions.of(1.0, task.maxResponseTokens(), 5));
            assertEquals(samples.stream().map(c -> c.text()).toList(), seen);
            assertEquals(
                    seen.stream().mapToInt(String::length).average().orElseThrow(),
                    report.proxyReward().orElseThrow(),
                    1e-12);
            assertEquals(evaluator.evaluate(lm, null, options).goldRewardMean(), report.goldRewardMean(), 0.0);
            assertTrue(evaluator.evaluate(lm, null, options).proxyReward().isEmpty());
            assertTrue(report.toJson().contains("\"proxy_reward\":"), report.toJson());
        }
    }
}
