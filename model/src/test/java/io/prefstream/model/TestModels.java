package io.prefstream.model;

import ai.djl.Device;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.tokenizer.CharTokenizer;

/** Tiny models for tests. */
public final class TestModels {

    public static final CharTokenizer ARITH = new CharTokenizer("0123456789+=");

    private TestModels() {}

    public static CausalLm tinyLm(long seed) {
        return CausalLm.create(LmConfig.tiny(ARITH.vocabSize()), ARITH, Device.cpu(), seed);
    }
}
