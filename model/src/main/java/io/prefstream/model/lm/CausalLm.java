package io.prefstream.model.lm;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.prefstream.model.LmConfig;
import io.prefstream.model.TransformerModel;
import io.prefstream.model.nn.Architecture;
import io.prefstream.model.nn.KvCache;
import io.prefstream.model.nn.NoGrad;
import io.prefstream.model.nn.ParameterInit;
import io.prefstream.model.nn.ParameterStore;
import io.prefstream.model.nn.Transformer;
import io.prefstream.model.tokenizer.Tokenizer;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A causal language model (the policy) of any {@link Architecture}: the built-in GPT
 * ({@link Transformer} trunk and a linear head) or a Hugging Face family (Llama, Qwen2, GPT-2).
 * Logits have shape {@code (B, T, V)}.
 *
 * <p>Dimensions: B batch, T positions, V vocabulary.
 *
 * <p>For training: {@link #setTrainable(boolean)} then forward inside a DJL
 * {@code GradientCollector}; {@link #parameters()} is what an optimizer updates.
 * {@link #frozenCopy()} gives the reference model π_ref.
 */
public final class CausalLm extends TransformerModel {

    public static final String KIND = "policy";

    /** Wraps existing parameters; they must match {@code config}'s layout. */
    public CausalLm(LmConfig config, Tokenizer tokenizer, ParameterStore parameters) {
        super(config, tokenizer, parameters, CausalLm::declare);
    }

    /** A freshly initialised model; the same seed gives the same weights. */
    public static CausalLm create(LmConfig config, Tokenizer tokenizer, Device device, long seed) {
        return new CausalLm(config, tokenizer, initialParameters(config, CausalLm::declare, device, seed));
    }

    private static void declare(ParameterInit store, LmConfig config, SplittableRandom rng) {
        Architecture.of(config).init(store, config, rng);
    }

    /** Parameter names and shapes of a model with {@code config}. */
    public static Map<String, Shape> layout(LmConfig config) {
        return layout(config, CausalLm::declare);
    }

    /**
     * Next-token logits for every given position.
     *
     * @param tokens (B, T) int64, in the caller's scope (results are created there)
     * @param positions (B, T) int64
     * @param keyMask (B, S) float, S = cached + T
     * @param cache KV cache to read and extend, or null for a full forward
     * @return (B, T, V)
     */
    public NDArray logits(NDArray tokens, NDArray positions, NDArray keyMask, KvCache cache) {
        return Architecture.of(config()).logits(parameters(), config(), tokens, positions, keyMask, cache); // (B, T, V)
    }

    /**
     * Logits of one unpadded sequence ({@code ids} at positions 0..T−1), without a graph: (T, V)
     * row-major, for tools and tests that look at a single text.
     */
    public float[] sequenceLogits(int[] ids) {
        int t = ids.length;
        long[] tokens = new long[t];
        long[] positions = new long[t];
        float[] mask = new float[t];
        for (int i = 0; i < t; i++) {
            tokens[i] = ids[i];
            positions[i] = i;
            mask[i] = 1f;
        }
        try (NoGrad ignored = NoGrad.enter();
                ai.djl.ndarray.NDManager scope = ai.djl.ndarray.NDManager.newBaseManager(device(), "PyTorch")) {
            return logits(
                            scope.create(tokens, new Shape(1, t)),
                            scope.create(positions, new Shape(1, t)),
                            scope.create(mask, new Shape(1, t)),
                            null)
                    .toFloatArray(); // (1, T, V)
        }
    }

    /** A deep copy on the same device that records no gradients: the frozen reference π_ref. */
    public CausalLm frozenCopy() {
        return copyTo(device());
    }

    /** A deep copy on {@code device}, without gradients. */
    public CausalLm copyTo(Device device) {
        return new CausalLm(config(), tokenizer(), parameters().copy(device));
    }

    /** Overwrites this model's weights with {@code other}'s (same config): a policy hot swap. */
    public void loadWeightsFrom(CausalLm other) {
        if (!other.config().equals(config())) {
            throw new IllegalArgumentException("cannot load weights of a model with config " + other.config()
                    + " into one with config " + config());
        }
        parameters().copyFrom(other.parameters());
    }

    @Override
    public String kind() {
        return KIND;
    }
}
