package io.prefstream.model.tokenizer;

import io.prefstream.tasks.TokenizerSpec;

/** Builds tokenizers from a task's {@link TokenizerSpec} or from a checkpoint's tokenizer id. */
public final class Tokenizers {

    private Tokenizers() {
    }

    /** The tokenizer {@code spec} names. */
    public static Tokenizer forSpec(TokenizerSpec spec) {
        if (spec.kind().equals("char")) {
            return new CharTokenizer(spec.alphabet());
        }
        throw new IllegalArgumentException("unknown tokenizer kind '" + spec.kind() + "'; known kinds: [char]");
    }

    /** The tokenizer whose {@link Tokenizer#id()} is {@code id}. */
    public static Tokenizer fromId(String id) {
        if (id.startsWith(CharTokenizer.ID_PREFIX)) {
            return new CharTokenizer(id.substring(CharTokenizer.ID_PREFIX.length()));
        }
        throw new IllegalArgumentException("unknown tokenizer id '" + id + "'; expected one starting with '"
                + CharTokenizer.ID_PREFIX + "'");
    }
}
