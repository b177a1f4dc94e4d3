package io.prefstream.model;

import ai.djl.Device;
import ai.djl.ndarray.types.Shape;
import io.prefstream.model.nn.ParameterInit;
import io.prefstream.model.nn.ParameterStore;
import io.prefstream.model.tokenizer.Tokenizer;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A transformer with a head on top, its named parameters in one {@link ParameterStore} that
 * checkpoints can save and restore. Parameters are declared in a fixed order from one random
 * stream: the same seed gives the same weights.
 */
public abstract class TransformerModel implements AutoCloseable {

    /** Declares all of a model's parameters (trunk, then head) from one random stream. */
    @FunctionalInterface
    protected interface Head {
        void init(ParameterInit store, LmConfig config, SplittableRandom rng);
    }

    private final LmConfig config;
    private final Tokenizer tokenizer;
    private final ParameterStore parameters;

    /** Wraps existing parameters; they must match the layout of the trunk and {@code head} for {@code config}. */
    protected TransformerModel(LmConfig config, Tokenizer tokenizer, ParameterStore parameters, Head head) {
        boolean fits = config.family().huggingFace()
                ? tokenizer.vocabSize() <= config.vocabSize()
                : tokenizer.vocabSize() == config.vocabSize();
        if (!fits) {
            throw new IllegalArgumentException("tokenizer " + tokenizer.id() + " has " + tokenizer.vocabSize()
                    + " tokens but the model config expects vocab_size=" + config.vocabSize()
                    + (config.family().huggingFace() ? " or fewer" : ""));
        }
        parameters.requireLayout(layout(config, head));
        this.config = config;
        this.tokenizer = tokenizer;
        this.parameters = parameters;
    }

    /** Freshly initialised parameters of the trunk and {@code head}; the same seed gives the same weights. */
    protected static ParameterStore initialParameters(LmConfig config, Head head, Device device, long seed) {
        var store = ParameterStore.empty(device);
        init(store, config, head, new SplittableRandom(seed));
        return store;
    }

    /** Parameter names and shapes of the trunk and {@code head} with {@code config}. */
    protected static Map<String, Shape> layout(LmConfig config, Head head) {
        var layout = new ParameterInit.Layout();
        init(layout, config, head, new SplittableRandom(0));
        return layout.shapes();
    }

    private static void init(ParameterInit store, LmConfig config, Head head, SplittableRandom rng) {
        head.init(store, config, rng);
    }

    /** {@code "policy"} or {@code "reward"}: what head sits on the trunk. */
    public abstract String kind();

    public LmConfig config() {
        return config;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The model's tensors, in a fixed order (what an optimizer updates). */
    public ParameterStore parameters() {
        return parameters;
    }

    public Device device() {
        return parameters.device();
    }

    /** Turns gradient recording on or off for all parameters. */
    public void setTrainable(boolean trainable) {
        parameters.setRequiresGradient(trainable);
    }

    @Override
    public void close() {
        parameters.close();
    }
}
