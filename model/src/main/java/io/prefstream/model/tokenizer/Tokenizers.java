package io.prefstream.model.tokenizer;

import io.prefstream.tasks.TokenizerSpec;

/**
 * Builds tokenizers from a task's {@link TokenizerSpec} ({@code char}: {@link CharTokenizer};
 * {@code words}: a Hugging Face word-level tokenizer, {@link WordLevelTokenizer}) or from a
 * checkpoint's tokenizer id.
 */
public final class Tokenizers {

    /** Word-level tokenizers by vocabulary: built once (a native Hugging Face tokenizer each). */
    private static final java.util.Map<String, Tokenizer> WORDS = new java.util.concurrent.ConcurrentHashMap<>();

    private Tokenizers() {}

    /** The tokenizer {@code spec} names. */
    public static Tokenizer forSpec(TokenizerSpec spec) {
        if (spec.kind().equals(TokenizerSpec.CHAR)) {
            return new CharTokenizer(spec.alphabet());
        }
        if (spec.kind().equals(TokenizerSpec.WORDS)) {
            return WORDS.computeIfAbsent(spec.alphabet(), a -> WordLevelTokenizer.of(spec.words()));
        }
        throw new IllegalArgumentException("unknown tokenizer kind '" + spec.kind() + "'; known kinds: ["
                + TokenizerSpec.CHAR + ", " + TokenizerSpec.WORDS + "]");
    }

    /** The tokenizer whose {@link Tokenizer#id()} is {@code id}. */
    public static Tokenizer fromId(String id) {
        if (id.startsWith(CharTokenizer.ID_PREFIX)) {
            return new CharTokenizer(id.substring(CharTokenizer.ID_PREFIX.length()));
        }
        throw new IllegalArgumentException(
                "unknown tokenizer id '" + id + "'; expected one starting with '" + CharTokenizer.ID_PREFIX + "'");
    }
}
