package io.prefstream.generator;

import io.prefstream.schemas.PolicyUpdate;
import io.prefstream.schemas.Prompt;
import io.prefstream.schemas.Rollout;
import io.prefstream.schemas.topics.RawTopic;
import io.prefstream.schemas.topics.Topic;
import io.prefstream.schemas.topics.Topics;
import java.util.Objects;

/**
 * The topics a generator reads and writes. Deployments use {@link #standard()}, the catalogue's
 * topics; tests and benchmarks sharing one broker give each generator its own copies.
 *
 * @param prompts       input prompts
 * @param rollouts      output rollouts, keyed by prompt id
 * @param policyUpdates compacted policy announcements
 * @param deadLetters   where records the generator cannot process go
 */
public record GeneratorTopics(
        Topic<Prompt> prompts, Topic<Rollout> rollouts, Topic<PolicyUpdate> policyUpdates, RawTopic deadLetters) {

    public GeneratorTopics {
        Objects.requireNonNull(prompts, "prompts");
        Objects.requireNonNull(rollouts, "rollouts");
        Objects.requireNonNull(policyUpdates, "policyUpdates");
        Objects.requireNonNull(deadLetters, "deadLetters");
    }

    /** The catalogue topics of {@link Topics}. */
    public static GeneratorTopics standard() {
        return new GeneratorTopics(Topics.PROMPTS, Topics.ROLLOUTS, Topics.POLICY_UPDATES, Topics.DEAD_LETTERS);
    }

    /** The catalogue topics with {@code suffix} appended to each name, e.g. for a test's private topics. */
    public static GeneratorTopics suffixed(String suffix) {
        return new GeneratorTopics(
                Topics.PROMPTS.named(Topics.PROMPTS.name() + suffix),
                Topics.ROLLOUTS.named(Topics.ROLLOUTS.name() + suffix),
                Topics.POLICY_UPDATES.named(Topics.POLICY_UPDATES.name() + suffix),
                Topics.DEAD_LETTERS.named(Topics.DEAD_LETTERS.name() + suffix));
    }

    /** Every topic, for the provisioner. */
    public java.util.List<io.prefstream.schemas.topics.TopicSpec> all() {
        return java.util.List.of(prompts, rollouts, policyUpdates, deadLetters);
    }
}
