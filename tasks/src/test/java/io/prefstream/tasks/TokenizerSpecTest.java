package io.prefstream.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TokenizerSpecTest {

    @Test
    void wordsRoundTripThroughTheAlphabet() {
        var spec = TokenizerSpec.words(List.of("the", ",", "of", "."));
        assertEquals("words", spec.kind());
        assertEquals("the\n,\nof\n.", spec.alphabet());
        assertEquals(List.of("the", ",", "of", "."), spec.words());
        // The canonical constructor accepts what the factory writes, and equality is by value.
        assertEquals(spec, new TokenizerSpec("words", "the\n,\nof\n."));
    }

    @Test
    void charsStillWorks() {
        var spec = TokenizerSpec.chars("0123456789+=");
        assertEquals(new TokenizerSpec("char", "0123456789+="), spec);
        var e = assertThrows(IllegalStateException.class, spec::words);
        assertTrue(e.getMessage().contains("found kind 'char'"), e.getMessage());
    }

    @Test
    void rejectsBadVocabularies() {
        assertThrows(IllegalArgumentException.class, () -> TokenizerSpec.words(List.of()));
        var dup = assertThrows(IllegalArgumentException.class, () -> TokenizerSpec.words(List.of("a", "b", "a")));
        assertTrue(dup.getMessage().contains("word 2 of the vocabulary, 'a', occurs twice"), dup.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TokenizerSpec.words(List.of("a", "")));
        assertThrows(IllegalArgumentException.class, () -> TokenizerSpec.words(List.of("a b")));
        var special = assertThrows(IllegalArgumentException.class, () -> TokenizerSpec.words(List.of("a", "<eos>")));
        assertTrue(special.getMessage().contains("'<eos>'"), special.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TokenizerSpec("words", "a\n\nb"));
    }
}
