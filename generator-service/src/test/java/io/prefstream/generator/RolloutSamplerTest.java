package io.prefstream.generator;

import static io.prefstream.generator.GeneratorTestKit.ARITH;
import static io.prefstream.generator.GeneratorTestKit.TINY;
import static io.prefstream.generator.GeneratorTestKit.prompts;
import static io.prefstream.generator.GeneratorTestKit.rescore;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.lm.SamplingOptions;
import io.prefstream.schemas.Prompt;
import io.prefstream.schemas.Rollout;
import io.prefstream.schemas.RolloutIds;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RolloutSamplerTest {

    private static CausalLm lm;
    private static ServingPolicy policy;

    @BeforeAll
    static void setUp() {
        lm = CausalLm.create(TINY, ARITH, Device.cpu(), 11);
        policy = new ServingPolicy(3, lm, "abc", "test");
    }

    @AfterAll
    static void tearDown() {
        lm.close();
    }

    private static List<RolloutSampler.Input> inputs(List<Prompt> prompts) {
        long now = System.nanoTime();
        return prompts.stream()
                .map(p -> new RolloutSampler.Input(p, ARITH.encodePrompt(p.getText()), now))
                .toList();
    }

    @Test
    void recordedLogProbsAtTheSamplingTemperatureMatchTeacherForcedScoringEvenWithTopK() {
        var options = new SamplingOptions(0.7, 5, 1.0, 7, true, 0);
        var sampler = new RolloutSampler(options, 4, 99, "g", true);
        List<Rollout> rollouts = sampler.sample(policy, inputs(prompts("t", 6)));
        assertEquals(6, rollouts.size());
        for (Rollout r : rollouts) {
            assertEquals(0.7, r.getSampling().getTemperature());
            assertEquals(5, r.getSampling().getTopK());
            double[] rescored = rescore(lm, r);
            for (int j = 0; j < 4; j++) {
                assertEquals(rescored[j], r.getCompletions().get(j).getLogprob(), 1e-4, r.getId() + "/" + j);
            }
        }
    }

    @Test
    void aPromptGetsTheSameCompletionsWhateverBatchItLandsIn() {
        var sampler = new RolloutSampler(SamplingOptions.of(1.0, 6, 0), 3, 5, "g", false);
        List<Prompt> batch = prompts("b", 5);
        List<Rollout> together = sampler.sample(policy, inputs(batch));
        for (int i = 0; i < batch.size(); i++) {
            Rollout alone =
                    sampler.sample(policy, inputs(List.of(batch.get(i)))).get(0);
            Rollout inBatch = together.get(i);
            assertEquals(inBatch.getId(), alone.getId());
            assertEquals(inBatch.getSampling().getSeed(), alone.getSampling().getSeed());
            for (int j = 0; j < 3; j++) {
                assertEquals(
                        inBatch.getCompletions().get(j).getTokenIds(),
                        alone.getCompletions().get(j).getTokenIds(),
                        "prompt " + i + " sample " + j);
            }
        }
        // and the K samples of one prompt are not copies of each other
        long distinct = together.stream()
                .flatMap(r -> r.getCompletions().stream())
                .map(c -> c.getTokenIds())
                .distinct()
                .count();
        assertTrue(distinct > 10, "15 completions, " + distinct + " distinct");
    }

    @Test
    void idsAndSeedsAreDeterministicPerPromptVersionAndGeneratorSeed() {
        var sampler = new RolloutSampler(SamplingOptions.of(1.0, 4, 0), 2, 5, "g", false);
        Prompt p = prompts("d", 1).get(0);
        Rollout r = sampler.sample(policy, inputs(List.of(p))).get(0);
        long seed = SamplingSeeds.of(5, p.getId(), 3);
        assertEquals(seed, r.getSampling().getSeed());
        assertEquals(RolloutIds.of(p.getId(), 3, seed), r.getId());
        assertEquals(null, r.getCompletions().get(0).getTokenLogprobs(), "token log-probs off");
        var other = new ServingPolicy(4, lm, "abc", "test");
        assertNotEquals(
                r.getId(), sampler.sample(other, inputs(List.of(p))).get(0).getId());
        var otherSeed = new RolloutSampler(SamplingOptions.of(1.0, 4, 0), 2, 6, "g", false);
        assertNotEquals(
                r.getId(), otherSeed.sample(policy, inputs(List.of(p))).get(0).getId());
        assertEquals("0+0=", p.getText());
        assertEquals(List.of(1, 3, 13, 3, 14), r.getPrompt().getTokenIds(), "the exact model input is recorded");
        assertEquals("1", r.getMetadata().get("batch_prompts"));
        assertEquals("abc", r.getMetadata().get("policy_sha256"));
    }

    @Test
    void seedsDependOnEveryInput() {
        long s = SamplingSeeds.of(1, "p", 0);
        assertEquals(s, SamplingSeeds.of(1, "p", 0));
        assertNotEquals(s, SamplingSeeds.of(2, "p", 0));
        assertNotEquals(s, SamplingSeeds.of(1, "q", 0));
        assertNotEquals(s, SamplingSeeds.of(1, "p", 1));
        // SplitMix64's finaliser: mix64(0) = 0, mix64(1) computed independently
        assertEquals(0L, SamplingSeeds.mix64(0));
        assertEquals(0x5692161d100b05e5L, SamplingSeeds.mix64(1));
    }
}
