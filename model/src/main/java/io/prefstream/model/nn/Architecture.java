package io.prefstream.model.nn;

import ai.djl.ndarray.NDArray;
import io.prefstream.model.LmConfig;
import java.util.SplittableRandom;

/**
 * A language-model family: how its parameters are named and shaped, and how next-token logits
 * are computed from them. Families are picked by {@link LmConfig#family()}; everything above this
 * interface (sampler, log-probs, KL, training, checkpoints) is the same for all of them.
 *
 * <p>Dimensions: B batch, T new positions, S key positions (cached + new), V vocabulary.
 */
public interface Architecture {

    /** Declares every parameter of the language model (trunk and output head), in a fixed order. */
    void init(ParameterInit store, LmConfig config, SplittableRandom rng);

    /**
     * Next-token logits for every given position.
     *
     * @param tokens (B, T) int64, in the caller's scope (results are created there)
     * @param positions (B, T) int64 position ids (real tokens count from 0; pads are masked)
     * @param keyMask (B, S) float 1 = attend, 0 = pad; S = cached + T
     * @param cache keys/values of earlier positions, appended to; null for a full forward
     * @return (B, T, V)
     */
    NDArray logits(
            ParameterStore p, LmConfig config, NDArray tokens, NDArray positions, NDArray keyMask, KvCache cache);

    /** The family of {@code config}. */
    static Architecture of(LmConfig config) {
        return switch (config.family()) {
            case PREFSTREAM_GPT -> Transformer.LANGUAGE_MODEL;
            case LLAMA, QWEN2 -> Llama.INSTANCE;
            case GPT2 -> Gpt2.INSTANCE;
        };
    }
}
