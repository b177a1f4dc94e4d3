package io.prefstream.tasks;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Names the tokenizer a task's text is written in, without depending on the model module.
 *
 * <p>{@code kind = "char"}: one token per character of {@code alphabet}, plus the BOS, EOS and PAD
 * specials the model adds.
 *
 * <p>{@code kind = "words"}: a word-level tokenizer over the vocabulary {@code alphabet} holds, one
 * word per line in id order (see {@link #words(List)}). The model module builds it as a Hugging Face
 * {@code WordLevel} model with a {@code Lowercase} normalizer and the {@code Whitespace}
 * pre-tokenizer ({@code \w+|[^\w\s]+}), and adds the specials {@code <pad>}, {@code <bos>},
 * {@code <eos>} and {@code <unk>} itself; the vocabulary must not contain them.
 *
 * <p>Other kinds (e.g. a HuggingFace tokenizer name) are resolved by the model module, which
 * rejects kinds it does not know.
 *
 * @param kind tokenizer family, e.g. {@code "char"}
 * @param alphabet for {@code char}: the characters in id order, without duplicates; for
 *     {@code words}: the words in id order joined by {@code "\n"}; otherwise the family's own
 *     identifier (a tokenizer name or path)
 */
public record TokenizerSpec(String kind, String alphabet) {

    /** Kind of {@link #chars(String)}. */
    public static final String CHAR = "char";
    /** Kind of {@link #words(List)}. */
    public static final String WORDS = "words";
    /** Specials the model side adds to a {@code words} vocabulary; a vocabulary must not contain them. */
    public static final List<String> WORD_SPECIALS = List.of("<pad>", "<bos>", "<eos>", "<unk>");

    public TokenizerSpec {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(alphabet, "alphabet");
        if (kind.isBlank()) {
            throw new IllegalArgumentException("tokenizer kind must be non-blank, found '" + kind + "'");
        }
        if (alphabet.isEmpty()) {
            throw new IllegalArgumentException("tokenizer '" + kind + "' needs a non-empty alphabet/identifier");
        }
        if (kind.equals(WORDS)) {
            checkVocabulary(List.of(alphabet.split("\n", -1)));
        }
    }

    /** A character tokenizer over {@code alphabet}. */
    public static TokenizerSpec chars(String alphabet) {
        return new TokenizerSpec(CHAR, alphabet);
    }

    /**
     * A word-level tokenizer over {@code vocabulary}, ids in list order (the model side adds its
     * specials).
     *
     * @param vocabulary distinct, non-empty words without whitespace, none of {@link #WORD_SPECIALS}
     */
    public static TokenizerSpec words(List<String> vocabulary) {
        checkVocabulary(vocabulary);
        return new TokenizerSpec(WORDS, String.join("\n", vocabulary));
    }

    /**
     * The vocabulary of a {@code words} tokenizer, in id order.
     *
     * @throws IllegalStateException when {@link #kind()} is not {@code "words"}
     */
    public List<String> words() {
        if (!kind.equals(WORDS)) {
            throw new IllegalStateException("words() needs a tokenizer of kind '" + WORDS + "', found kind '" + kind
                    + "'; use alphabet() for other kinds");
        }
        return List.of(alphabet.split("\n", -1));
    }

    private static void checkVocabulary(List<String> vocabulary) {
        if (vocabulary.isEmpty()) {
            throw new IllegalArgumentException("a words vocabulary needs at least one word, found none");
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < vocabulary.size(); i++) {
            String w = vocabulary.get(i);
            if (w.isEmpty() || w.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("word " + i + " of the vocabulary must be non-empty without "
                        + "whitespace, found '" + w + "'");
            }
            if (WORD_SPECIALS.contains(w)) {
                throw new IllegalArgumentException("word " + i + " of the vocabulary is the special '" + w
                        + "', which the model side adds itself; leave " + WORD_SPECIALS + " out");
            }
            if (!seen.add(w)) {
                throw new IllegalArgumentException(
                        "word " + i + " of the vocabulary, '" + w + "', occurs twice; words must be distinct");
            }
        }
    }
}
