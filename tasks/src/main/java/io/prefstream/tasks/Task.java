package io.prefstream.tasks;

import java.util.List;
import java.util.Optional;

/**
 * A preference-learning task: a seeded prompt source, a held-out evaluation set disjoint from
 * the training prompts, a gold reward, and a supervised corpus for the reference policy.
 *
 * <p>Implementations are registered with {@link java.util.ServiceLoader} and found by
 * {@link Tasks#byName(String)}. All methods are deterministic functions of their arguments.
 */
public interface Task {

    /** Stable name used on the command line and in records, e.g. {@code "arithmetic"}. */
    String name();

    /** The tokenizer prompts and responses are written for. */
    TokenizerSpec tokenizerSpec();

    /** {@code n} training prompts drawn with {@code seed}; never contains an evaluation prompt. */
    List<String> prompts(long seed, int n);

    /** The first {@code n} held-out evaluation prompts (a fixed order, no seed). */
    List<String> evalPrompts(int n);

    /** Number of distinct held-out evaluation prompts available. */
    int evalPromptCount();

    /** The gold (programmatic) reward of {@code response} to {@code prompt}; higher is better. */
    double goldReward(String prompt, String response);

    /** Whether {@code response} is exactly right, or empty when the task has no notion of it. */
    Optional<Boolean> correct(String prompt, String response);

    /** {@code n} supervised examples drawn with {@code seed} from training prompts only. */
    List<SftExample> sftCorpus(long seed, int n);

    /** Maximum number of response tokens to sample, EOS included. */
    int maxResponseTokens();
}
