package io.prefstream.model.tokenizer;

import java.util.Arrays;

/**
 * Maps text to token ids and back. Prompts are encoded as {@code BOS text}, responses as
 * {@code text EOS}; {@code PAD} only fills batches and is never attended to.
 */
public interface Tokenizer {

    /** Stable identifier stored in checkpoints, e.g. {@code "char:0123456789+="}. */
    String id();

    /** Number of token ids, specials included. */
    int vocabSize();

    int bos();

    int eos();

    int pad();

    /** Ids of {@code text}, no specials added. */
    int[] encode(String text);

    /** Text of {@code ids}; specials are rendered as {@code <bos>}, {@code <eos>}, {@code <pad>}. */
    String decode(int[] ids);

    /** {@code BOS text}. */
    default int[] encodePrompt(String prompt) {
        int[] body = encode(prompt);
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
        while (end < ids.length && ids[end] != eos()) {
            end++;
        }
        return decode(Arrays.copyOf(ids, end));
    }
}
