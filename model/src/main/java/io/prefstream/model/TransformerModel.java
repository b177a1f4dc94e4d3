package io.prefstream.model;

import ai.djl.Device;
import io.prefstream.model.nn.ParameterStore;
import io.prefstream.model.tokenizer.Tokenizer;

/** A transformer with named parameters that checkpoints can save and restore. */
public interface TransformerModel extends AutoCloseable {

    /** {@code "policy"} or {@code "reward"}: what head sits on the trunk. */
    String kind();

    LmConfig config();

    Tokenizer tokenizer();

    /** The model's tensors, in a fixed order (what an optimizer updates). */
    ParameterStore parameters();

    default Device device() {
        return parameters().device();
    }

    /** Turns gradient recording on or off for all parameters. */
    default void setTrainable(boolean trainable) {
        parameters().setRequiresGradient(trainable);
    }

    @Override
    void close();
}
