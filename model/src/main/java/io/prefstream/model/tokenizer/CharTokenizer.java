package io.prefstream.model.tokenizer;

import java.util.HashMap;
import java.util.Map;

/**
 * One token per character of a fixed alphabet. Ids: {@code PAD = 0, BOS = 1, EOS = 2}, then the
 * alphabet's characters in order from 3; vocabulary size {@code |alphabet| + 3}.
 */
public final class CharTokenizer implements Tokenizer {

    /** Prefix of {@link #id()}; the alphabet follows it verbatim. */
    public static final String ID_PREFIX = "char:";

    private static final int SPECIALS = 3;

    private final String alphabet;
    private final Map<Integer, Integer> idOfCodePoint = new HashMap<>();
    private final int[] codePoints;

    public CharTokenizer(String alphabet) {
        if (alphabet == null || alphabet.isEmpty()) {
            throw new IllegalArgumentException("char tokenizer needs a non-empty alphabet, found '" + alphabet + "'");
        }
        this.alphabet = alphabet;
        this.codePoints = alphabet.codePoints().toArray();
        for (int i = 0; i < codePoints.length; i++) {
            if (idOfCodePoint.put(codePoints[i], SPECIALS + i) != null) {
                throw new IllegalArgumentException("char tokenizer alphabet has duplicate character '"
                        + Character.toString(codePoints[i]) + "' in '" + alphabet + "'");
            }
        }
    }

    /** The alphabet, in id order. */
    public String alphabet() {
        return alphabet;
    }

    @Override
    public String id() {
        return ID_PREFIX + alphabet;
    }

    @Override
    public int vocabSize() {
        return codePoints.length + SPECIALS;
    }

    @Override
    public int pad() {
        return 0;
    }

    @Override
    public int bos() {
        return 1;
    }

    @Override
    public int eos() {
        return 2;
    }

    @Override
    public int[] encode(String text) {
        return text.codePoints()
                .map(cp -> {
                    Integer id = idOfCodePoint.get(cp);
                    if (id == null) {
                        throw new IllegalArgumentException("character '" + Character.toString(cp) + "' in '" + text
                                + "' is not in the tokenizer alphabet '" + alphabet + "'");
                    }
                    return id;
                })
                .toArray();
    }

    @Override
    public String decode(int[] ids) {
        var sb = new StringBuilder();
        for (int id : ids) {
            switch (id) {
                case 0 -> sb.append("<pad>");
                case 1 -> sb.append("<bos>");
                case 2 -> sb.append("<eos>");
                default -> {
                    if (id < SPECIALS || id >= vocabSize()) {
                        throw new IllegalArgumentException(
                                "token id " + id + " outside vocabulary [0, " + vocabSize() + ")");
                    }
                    sb.appendCodePoint(codePoints[id - SPECIALS]);
                }
            }
        }
        return sb.toString();
    }
}
