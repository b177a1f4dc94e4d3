package io.prefstream.generator;

import io.prefstream.platform.topics.Topics;
import java.util.Objects;

/**
 * The topics a generator reads and writes. Deployments use {@link #standard()}, the catalogue's
 * names; tests and benchmarks sharing one broker give each generator its own.
 *
 * @param prompts       input prompts ({@code Prompt})
 * @param rollouts      output rollouts ({@code Rollout}), keyed by prompt id
 * @param policyUpdates compacted policy announcements ({@code PolicyUpdate})
 * @param deadLetters   where records the generator cannot process go
 */
public record GeneratorTopics(String prompts, String rollouts, String policyUpdates, String deadLetters) {

    public GeneratorTopics {
        Objects.requireNonNull(prompts, "prompts");
        Objects.requireNonNull(rollouts, "rollouts");
        Objects.requireNonNull(policyUpdates, "policyUpdates");
        Objects.requireNonNull(deadLetters, "deadLetters");
    }

    /** The catalogue topics of {@link Topics}. */
    public static GeneratorTopics standard() {
        return new GeneratorTopics(
                Topics.PROMPTS.name(),
                Topics.ROLLOUTS.name(),
                Topics.POLICY_UPDATES.name(),
                Topics.DEAD_LETTERS.name());
    }

    /** Names with {@code suffix} appended to each catalogue name, e.g. for a test's private topics. */
    public static GeneratorTopics suffixed(String suffix) {
        var s = standard();
        return new GeneratorTopics(
                s.prompts + suffix, s.rollouts + suffix, s.policyUpdates + suffix, s.deadLetters + suffix);
    }
}
