package io.prefstream.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class WordLevelTokenizerTest {

    static final List<String> WORDS = List.of("the", "house", "is", "good", ",", "bad", ".");

    @Test
    void encodesLowercasedWordsAndPunctuationWithBosForPrompts() {
        var tk = WordLevelTokenizer.of(WORDS);
        assertEquals(11, tk.vocabSize());
        assertArrayEquals(new int[] {4, 5, 6, 7, 8, 9, 10}, tk.encode("The house is GOOD, bad."));
        assertArrayEquals(new int[] {1, 4, 5, 3}, tk.encodePrompt("the house gleams"));
        assertArrayEquals(new int[] {7, 2}, tk.encodeResponse("good"));
        assertEquals(1, tk.bos());
        assertEquals(2, tk.eos());
        assertEquals(0, tk.pad());
        assertArrayEquals(new int[] {1, 0}, tk.suppressed(), "BOS and PAD are never emitted");
        assertEquals("the house is good , bad .", tk.decode(tk.encode("the house is good, bad.")));
        assertEquals("good", tk.decodeResponse(new int[] {7, 2, 9}));
    }

    @Test
    void rejectsBadVocabulary() {
        var e = assertThrows(IllegalArgumentException.class, () -> WordLevelTokenizer.of(List.of("a", "b c")));
        assertEquals(
                "word-level vocabulary entry 'b c' is empty, contains whitespace, is a special token or repeats an "
                        + "earlier entry",
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> WordLevelTokenizer.of(List.of("a", "a")));
        assertThrows(IllegalArgumentException.class, () -> WordLevelTokenizer.of(List.of("<eos>")));
    }
}
