package io.prefstream.generator;

import static io.prefstream.generator.GeneratorTestKit.ARITH;
import static io.prefstream.generator.GeneratorTestKit.TINY;
import static io.prefstream.generator.GeneratorTestKit.prompt;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.prefstream.schemas.Prompt;
import java.util.List;
import org.junit.jupiter.api.Test;

class PromptTokensTest {

    @Test
    void textIsEncodedWithBosFirst() throws InvalidPromptException {
        // ids: PAD 0, BOS 1, EOS 2, then "0123456789+=" from 3
        assertArrayEquals(new int[] {1, 4, 13, 5, 14}, PromptTokens.encode(prompt("p", "1+2="), ARITH, TINY, 8));
    }

    @Test
    void givenTokenIdsAreUsedAsTheWholeInput() throws InvalidPromptException {
        Prompt p = Prompt.newBuilder(prompt("p", "ignored text"))
                .setTokenIds(List.of(1, 4, 13, 5, 14))
                .build();
        assertArrayEquals(new int[] {1, 4, 13, 5, 14}, PromptTokens.encode(p, ARITH, TINY, 8));
    }

    @Test
    void theContextRuleIsPromptPlusMaxNewMinusOne() throws InvalidPromptException {
        // max_seq_len 32, max-new-tokens 8: prompts of up to 25 tokens (24 characters + BOS) fit
        String fits = "1".repeat(24);
        assertEquals(25, PromptTokens.encode(prompt("p", fits), ARITH, TINY, 8).length);
        var e = assertThrows(
                InvalidPromptException.class, () -> PromptTokens.encode(prompt("p", fits + "1"), ARITH, TINY, 8));
        assertEquals(InvalidPromptException.TOO_LONG, e.reason());
        assertEquals(
                "prompt p has 26 tokens (BOS included); with max-new-tokens 8 it needs 33 positions but the "
                        + "model's max_seq_len is 32; expected at most 25 prompt tokens",
                e.getMessage());
    }

    @Test
    void aPolicyMustLeaveRoomForAtLeastAOneTokenPrompt() {
        PromptTokens.requireRoomForPrompts(TINY, 31); // BOS + 1 token + 31 - 1 = 32
        var e = assertThrows(IllegalArgumentException.class, () -> PromptTokens.requireRoomForPrompts(TINY, 32));
        assertEquals(
                "the policy's max_seq_len 32 leaves no room for a prompt with generator.max-new-tokens 32; "
                        + "expected max-new-tokens <= 31",
                e.getMessage());
    }

    @Test
    void badPromptsNameTheirReason() {
        assertReason(InvalidPromptException.EMPTY, prompt("p", ""));
        assertReason(InvalidPromptException.UNTOKENIZABLE, prompt("p", "one+1="));
        assertReason(InvalidPromptException.MISSING_ID, prompt(" ", "1+1="));
        assertReason(
                InvalidPromptException.INVALID_TOKEN_IDS,
                Prompt.newBuilder(prompt("p", "")).setTokenIds(List.of(4, 5)).build());
        assertReason(
                InvalidPromptException.INVALID_TOKEN_IDS,
                Prompt.newBuilder(prompt("p", ""))
                        .setTokenIds(List.of(1, 4, 15))
                        .build());
        assertReason(
                InvalidPromptException.INVALID_TOKEN_IDS,
                Prompt.newBuilder(prompt("p", ""))
                        .setTokenIds(List.of(1, 4, 0, 5))
                        .build());
        assertReason(
                InvalidPromptException.EMPTY,
                Prompt.newBuilder(prompt("p", "1")).setTokenIds(List.of(1)).build());
        var untokenizable = assertThrows(
                InvalidPromptException.class, () -> PromptTokens.encode(prompt("p", "one+1="), ARITH, TINY, 8));
        assertEquals(
                "tokenizer char:0123456789+= cannot encode the prompt: character 'o' in 'one+1=' is not in the "
                        + "tokenizer alphabet '0123456789+='",
                untokenizable.getMessage());
    }

    private static void assertReason(String reason, Prompt p) {
        var e = assertThrows(InvalidPromptException.class, () -> PromptTokens.encode(p, ARITH, TINY, 8));
        assertEquals(reason, e.reason(), e.getMessage());
    }
}
