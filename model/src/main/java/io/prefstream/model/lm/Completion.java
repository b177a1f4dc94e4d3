package io.prefstream.model.lm;

/**
 * One sampled response.
 *
 * @param promptIndex index of the prompt in the sampler's input list
 * @param sampleIndex which of the K samples of that prompt (0..K-1)
 * @param tokens response token ids, EOS included when {@code finishReason == EOS}
 * @param tokenLogProbs per token {@code log softmax(logits/τ)[token]} over the emittable vocabulary
 *     (see {@link Sampler}), same length as {@code tokens}
 * @param logProb sum of the per-token log-probs, accumulated in double: the behaviour sequence log-prob
 * @param finishReason EOS or LENGTH
 * @param text decoded response without EOS
 */
public record Completion(
        int promptIndex,
        int sampleIndex,
        int[] tokens,
        float[] tokenLogProbs,
        double logProb,
        FinishReason finishReason,
        String text) {

    /** Number of response tokens, EOS included. */
    public int length() {
        return tokens.length;
    }
}
