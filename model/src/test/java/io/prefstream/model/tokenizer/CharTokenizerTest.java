package io.prefstream.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prefstream.tasks.TokenizerSpec;
import org.junit.jupiter.api.Test;

class CharTokenizerTest {

    @Test
    void encodesDecodesAndRoundTripsById() {
        var tk = Tokenizers.forSpec(TokenizerSpec.chars("0123456789+="));
        assertEquals(15, tk.vocabSize());
        assertArrayEquals(new int[] {1, 7, 10, 13, 11, 14}, tk.encodePrompt("47+8="));
        assertArrayEquals(new int[] {8, 3, 2}, tk.encodeResponse("50"));
        assertEquals("50", tk.decodeResponse(new int[] {8, 3, 2, 5}));
        assertEquals("<bos>5<pad>", tk.decode(new int[] {1, 8, 0}));
        assertEquals(tk.id(), Tokenizers.fromId(tk.id()).id());
        var e = assertThrows(IllegalArgumentException.class, () -> tk.encode("4*5"));
        assertTrue(e.getMessage().contains("'*'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new CharTokenizer("aa"));
        assertThrows(IllegalArgumentException.class, () -> Tokenizers.forSpec(new TokenizerSpec("bpe", "gpt2")));
    }
}
