package io.prefstream.model.tokenizer;

import java.util.Arrays;

/**
 * Maps text to token ids and back. Prompts are encoded as {@code BOS text} (just {@code text} for a
 * tokenizer without a start token, {@code bos() < 0}), responses as {@code text EOS}; {@code PAD}
 * only fills batches and is never attended to.
 */
public interface Tokenizer {

    /** Stable identifier stored in checkpoints, e.g. {@code "char:0123456789+="}. */
    String id();

    /** Number of token ids, specials included. */
    int vocabSize();

    /** The id every prompt starts with, or −1 when prompts have no start token (e.g. GPT-2, Qwen2). */
    int bos();

    /** The id that ends a response (the first one when a model has several). */
    int eos();

    /** The id that fills batches; always a valid index (it is masked, never attended to). */
    int pad();

    /** Whether {@code id} ends a response. */
    default boolean isEos(int id) {
        return id == eos();
    }

    /** Ids the policy never emits (their logits are masked when sampling and scoring): PAD and BOS. */
    default int[] suppressed() {
        return bos() >= 0 ? new int[] {pad(), bos()} : new int[] {pad()};
    }

    /** Whether {@code id} may not appear in a prompt after its first position (PAD, BOS). */
    default boolean reservedInPrompt(int id) {
        return id == pad() || id == bos();
    }

    /** Ids of {@code text}, no specials added. */
    int[] encode(String text);

    /** Text of {@code ids}; specials are rendered as {@code <bos>}, {@code <eos>}, {@code <pad>}. */
    String decode(int[] ids);

    /** {@code BOS text}. */
    default int[] encodePrompt(String prompt) {
        int[] body = encode(prompt);
        if (bos() < 0) {
            return body;
        }
        int[] out = new int[body.length + 1];
        out[0] = bos();
        System.arraycopy(body, 0, out, 1, body.length);
        return out;
    }

    /** {@code text EOS}. */
    default int[] encodeResponse(String response) {
        int[] body = encode(response);
        int[] out = Arrays.copyOf(body, body.length + 1);
        out[body.length] = eos();
        return out;
    }

    /** The text of a sampled response: the tokens before the first EOS. */
    default String decodeResponse(int[] ids) {
        int end = 0;
        while (end < ids.length && !isEos(ids[end])) {
            end++;
        }
        return decode(Arrays.copyOf(ids, end));
    }
}
