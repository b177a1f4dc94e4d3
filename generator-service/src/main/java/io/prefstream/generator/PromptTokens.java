package io.prefstream.generator;

import io.prefstream.model.LmConfig;
import io.prefstream.model.chat.ChatMessage;
import io.prefstream.model.chat.ChatTemplate;
import io.prefstream.model.hf.HfTokenizer;
import io.prefstream.model.tokenizer.Tokenizer;
import io.prefstream.schemas.Prompt;
import java.util.List;

/**
 * Turns a {@link Prompt} into the policy's input ids, or says why it cannot be sampled.
 *
 * <p>Input: the prompt's {@code token_ids} when given (then they are the complete model input,
 * BOS first, exactly as {@link Tokenizer#encodePrompt} would produce), else
 * {@code encodePrompt(text)}. Context rule, the sampler's: the last drawn token is never fed back,
 * so a prompt of P tokens (BOS included) fits when {@code P + maxNewTokens − 1 ≤ max_seq_len}.
 */
public final class PromptTokens {

    private PromptTokens() {}

    /**
     * The input ids of {@code prompt}.
     *
     * @throws InvalidPromptException naming the reason when the prompt is empty, untokenizable,
     *                                has invalid token ids, lacks an id, or is too long
     */
    public static int[] encode(Prompt prompt, Tokenizer tokenizer, LmConfig config, int maxNewTokens)
            throws InvalidPromptException {
        int[] tokens = tokens(prompt, tokenizer);
        int positions = tokens.length + maxNewTokens - 1;
        if (positions > config.maxSeqLen()) {
            throw new InvalidPromptException(
                    InvalidPromptException.TOO_LONG,
                    "prompt " + prompt.getId() + " has "
                            + tokens.length + " tokens (BOS included); with max-new-tokens " + maxNewTokens
                            + " it needs "
                            + positions + " positions but the model's max_seq_len is " + config.maxSeqLen()
                            + "; expected at most " + (config.maxSeqLen() - maxNewTokens + 1) + " prompt tokens");
        }
        return tokens;
    }

    /**
     * The input ids of {@code prompt} without the context-length rule (which depends on the model
     * and {@code max-new-tokens}): what {@code prompts load} checks before anything is sent.
     *
     * @throws InvalidPromptException when the prompt is empty, untokenizable, has invalid token ids
     *                                or lacks an id
     */
    public static int[] tokens(Prompt prompt, Tokenizer tokenizer) throws InvalidPromptException {
        String id = prompt.getId();
        if (id == null || id.isBlank()) {
            throw new InvalidPromptException(
                    InvalidPromptException.MISSING_ID,
                    "prompt has a blank id; expected a non-empty id to key its rollout by");
        }
        String messages =
                prompt.getMetadata() == null ? null : prompt.getMetadata().get(JsonlPromptLoader.MESSAGES);
        int[] tokens = prompt.getTokenIds() != null
                ? checkedIds(prompt.getTokenIds(), tokenizer)
                : messages != null ? encodeChat(id, messages, tokenizer) : encodeText(prompt.getText(), tokenizer);
        if (tokens.length <= (tokenizer.bos() >= 0 ? 1 : 0)) {
            throw new InvalidPromptException(
                    InvalidPromptException.EMPTY,
                    "prompt " + id + " is empty: expected text or token ids beyond BOS, found none");
        }
        return tokens;
    }

    /**
     * Checks that a policy can serve {@code maxNewTokens} at all: the shortest prompt (BOS and one
     * token) must fit, else every prompt would be dead-lettered as too long.
     *
     * @throws IllegalArgumentException naming both numbers when it cannot
     */
    public static void requireRoomForPrompts(LmConfig config, int maxNewTokens) {
        if (2 + maxNewTokens - 1 > config.maxSeqLen()) {
            throw new IllegalArgumentException("the policy's max_seq_len " + config.maxSeqLen()
                    + " leaves no room for a prompt with generator.max-new-tokens " + maxNewTokens
                    + "; expected max-new-tokens <= " + (config.maxSeqLen() - 1));
        }
    }

    /**
     * Chat messages rendered by the policy's chat template with {@code add_generation_prompt}, then
     * tokenized without adding special tokens (the template writes them), as transformers'
     * {@code apply_chat_template(..., tokenize=True)} does.
     */
    static int[] encodeChat(String id, String messagesJson, Tokenizer tokenizer) throws InvalidPromptException {
        java.util.Optional<ChatTemplate> template;
        try {
            template = tokenizer instanceof HfTokenizer hf ? hf.chatTemplate() : java.util.Optional.empty();
        } catch (IllegalArgumentException e) {
            throw new InvalidPromptException(
                    InvalidPromptException.UNTOKENIZABLE,
                    "prompt " + id + " gives chat " + "messages but the policy's chat template cannot be used: "
                            + e.getMessage(),
                    e);
        }
        if (template.isEmpty()) {
            throw new InvalidPromptException(
                    InvalidPromptException.UNTOKENIZABLE,
                    "prompt " + id + " gives chat "
                            + "messages but tokenizer " + tokenizer.id()
                            + " has no chat_template (tokenizer_config.json or "
                            + "chat_template.jinja); give the prompt as text instead");
        }
        try {
            var list = new java.util.ArrayList<ChatMessage>();
            for (var m : MESSAGES_JSON.readTree(messagesJson)) {
                list.add(new ChatMessage(
                        m.path("role").asText(), m.path("content").asText()));
            }
            return tokenizer.encode(template.get().render(list, true));
        } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
            throw new InvalidPromptException(
                    InvalidPromptException.UNTOKENIZABLE,
                    "prompt " + id + ": cannot render " + "its chat messages with the policy's chat template: "
                            + e.getMessage(),
                    e);
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper MESSAGES_JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    private static int[] encodeText(String text, Tokenizer tokenizer) throws InvalidPromptException {
        if (text == null || text.isEmpty()) {
            return tokenizer.bos() >= 0 ? new int[] {tokenizer.bos()} : new int[0];
        }
        try {
            return tokenizer.encodePrompt(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidPromptException(
                    InvalidPromptException.UNTOKENIZABLE,
                    "tokenizer " + tokenizer.id() + " cannot encode the prompt: " + e.getMessage(),
                    e);
        }
    }

    private static int[] checkedIds(List<Integer> ids, Tokenizer tokenizer) throws InvalidPromptException {
        if (tokenizer.bos() >= 0 && (ids.isEmpty() || ids.get(0) != tokenizer.bos())) {
            throw new InvalidPromptException(
                    InvalidPromptException.INVALID_TOKEN_IDS,
                    "token_ids must start with BOS (" + tokenizer.bos() + "), found "
                            + (ids.isEmpty() ? "an empty list" : "first id " + ids.get(0)));
        }
        int[] out = new int[ids.size()];
        for (int i = 0; i < out.length; i++) {
            int t = ids.get(i);
            boolean special = tokenizer.reservedInPrompt(t) || tokenizer.isEos(t);
            boolean leadingBos = i == 0 && t == tokenizer.bos();
            if (t < 0 || t >= tokenizer.vocabSize() || (special && !leadingBos)) {
                throw new InvalidPromptException(
                        InvalidPromptException.INVALID_TOKEN_IDS,
                        "token_ids[" + i + "] = " + t
                                + ": expected a non-special id in [0, " + tokenizer.vocabSize() + ") of tokenizer "
                                + tokenizer.id() + " (PAD, BOS and EOS only as the leading BOS)");
            }
            out[i] = t;
        }
        return out;
    }
}
