package io.prefstream.model.reference;

import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.lm.Completion;
import io.prefstream.model.lm.Sampler;
import io.prefstream.model.lm.SamplingOptions;
import io.prefstream.tasks.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The offline preference dataset of a task, built from the reference policy itself: K samples
 * of π_ref per training prompt at temperature 1, scored by the task's gold reward; the best and
 * the worst sample form the pair {@code (y_w, y_l)} (prompts whose samples all score the same give
 * no pair). Each pair carries its responses as sampled: their token ids and their cached
 * {@code log π_ref(y|x)} — the sampler's recorded sequence log-prob, which equals what
 * {@code LogProbs.sequence} recomputes at τ = 1 (the sampler's contract). Writing the pairs to a
 * topic (as {@code schemas}' {@code PreferencePair}) is the caller's business.
 */
public final class OfflinePreferenceSet {

    /** Prompts are sampled in chunks of this many, to bound memory. */
    private static final int CHUNK = 128;
    /** Reference log-probs are cached at the temperature the trainer scores with. */
    public static final double TEMPERATURE = 1.0;

    private OfflinePreferenceSet() {}

    /**
     * @param prompts training prompts to draw (the task's seeded prompt source)
     * @param k       samples per prompt, at least 2
     * @param seed    prompt and sampling seed
     */
    public record Options(int prompts, int k, long seed) {
        public Options {
            if (prompts < 1) {
                throw new IllegalArgumentException("offline set needs at least 1 prompt, found " + prompts);
            }
            if (k < 2) {
                throw new IllegalArgumentException("offline pairs need at least 2 samples per prompt, found " + k);
            }
        }
    }

    /**
     * One pair of the set.
     *
     * @param id       {@code <task>-offline-<seed>-<prompt index>}
     * @param prompt   the prompt text
     * @param chosen   the best sample ({@code y_w}): text, token ids and {@code log π_ref(y|x)}
     * @param rejected the worst sample ({@code y_l})
     * @param chosenReward   gold reward of {@code chosen}
     * @param rejectedReward gold reward of {@code rejected}, lower than {@code chosenReward}
     * @param source   how the pair was made: {@code pi_ref-best-vs-worst-k<k>}
     */
    public record Pair(
            String id,
            String prompt,
            Completion chosen,
            Completion rejected,
            double chosenReward,
            double rejectedReward,
            String source) {}

    /** The pairs, in prompt order; ids are {@code <task>-offline-<seed>-<prompt index>}. */
    public static List<Pair> build(Task task, CausalLm reference, Options options) {
        return build(task, reference, task.prompts(options.seed(), options.prompts()), options.k(), options.seed());
    }

    /** The same pairs for the given {@code prompts} (e.g. the task's held-out evaluation prompts). */
    public static List<Pair> build(Task task, CausalLm reference, List<String> prompts, int k, long seed) {
        if (k < 2) {
            throw new IllegalArgumentException("offline pairs need at least 2 samples per prompt, found " + k);
        }
        var tokenizer = reference.tokenizer();
        var pairs = new ArrayList<Pair>();
        for (int from = 0; from < prompts.size(); from += CHUNK) {
            List<String> chunk = prompts.subList(from, Math.min(prompts.size(), from + CHUNK));
            var encoded = chunk.stream().map(tokenizer::encodePrompt).toList();
            var sampling = SamplingOptions.of(TEMPERATURE, task.maxResponseTokens(), seed + from);
            List<Completion> samples = Sampler.sample(reference, encoded, k, sampling);
            for (int i = 0; i < chunk.size(); i++) {
                String prompt = chunk.get(i);
                List<Completion> group = samples.subList(i * k, (i + 1) * k);
                double[] rewards = group.stream()
                        .mapToDouble(c -> task.goldReward(prompt, c.text()))
                        .toArray();
                int best = argBest(rewards, true);
                int worst = argBest(rewards, false);
                if (rewards[best] == rewards[worst]) {
                    continue; // every sample scores the same: no preference to learn from
                }
                pairs.add(new Pair(
                        task.name() + "-offline-" + seed + "-" + (from + i),
                        prompt,
                        group.get(best),
                        group.get(worst),
                        rewards[best],
                        rewards[worst],
                        "pi_ref-best-vs-worst-k" + k));
            }
        }
        return pairs;
    }

    /** Index of the highest (or lowest) reward; the first one on ties. */
    private static int argBest(double[] rewards, boolean highest) {
        return IntStream.range(0, rewards.length)
                .reduce((a, b) -> (highest ? rewards[b] > rewards[a] : rewards[b] < rewards[a]) ? b : a)
                .orElseThrow();
    }
}
