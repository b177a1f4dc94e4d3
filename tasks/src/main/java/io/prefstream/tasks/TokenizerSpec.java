package io.prefstream.tasks;

import java.util.Objects;

/**
 * Names the tokenizer a task's text is written in, without depending on the model module.
 *
 * <p>{@code kind = "char"}: one token per character of {@code alphabet}, plus the BOS, EOS and PAD
 * specials the model adds. Other kinds (e.g. a HuggingFace tokenizer name) are resolved by the model
 * module, which rejects kinds it does not know.
 *
 * @param kind tokenizer family, e.g. {@code "char"}
 * @param alphabet for {@code char}: the characters in id order, without duplicates; otherwise the
 *     family's own identifier (a tokenizer name or path)
 */
public record TokenizerSpec(String kind, String alphabet) {

    public TokenizerSpec {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(alphabet, "alphabet");
        if (kind.isBlank()) {
            throw new IllegalArgumentException("tokenizer kind must be non-blank, found '" + kind + "'");
        }
        if (alphabet.isEmpty()) {
            throw new IllegalArgumentException("tokenizer '" + kind + "' needs a non-empty alphabet/identifier");
        }
    }

    /** A character tokenizer over {@code alphabet}. */
    public static TokenizerSpec chars(String alphabet) {
        return new TokenizerSpec("char", alphabet);
    }
}
