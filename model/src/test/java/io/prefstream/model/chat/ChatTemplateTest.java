package io.prefstream.model.chat;

import static io.prefstream.model.chat.ChatMessage.assistant;
import static io.prefstream.model.chat.ChatMessage.system;
import static io.prefstream.model.chat.ChatMessage.user;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real chat templates, rendered as transformers' {@code apply_chat_template(messages, tokenize=False,
 * add_generation_prompt=...)} renders them. Each expected string was derived by hand from the template under
 * Jinja's rules (trim_blocks, lstrip_blocks, no trailing newline) and checked against jinja2 3.1.6 running the
 * environment transformers builds ({@code _compile_jinja_template}), with
 * {@code src/test/resources/chat/render_with_jinja2.py MODEL_DIR}. The templates are the models' published ones,
 * in test resources: {@code chat/<model>/tokenizer_config.json} (or {@code chat_template.jinja}).
 */
class ChatTemplateTest {

    private static final List<ChatMessage> MULTI_TURN =
            List.of(system("You are a terse assistant."), user("What is 2+2?"), assistant("4"), user("And 3+3?"));

    // --- Qwen/Qwen2.5-*-Instruct: tokenizer_config.json's ChatML template (tools branch unused, tools is none).

    @Test
    void qwen25AddsItsDefaultSystemPromptAndOpensTheAssistantTurn() {
        var template = load("qwen2.5-instruct");
        assertEquals(
                "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant."
                        + "<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n",
                template.render(List.of(user("Hello!")), true));
    }

    @Test
    void qwen25RendersAMultiTurnChatWithItsOwnSystemMessage() {
        var template = load("qwen2.5-instruct");
        String turns = "<|im_start|>system\nYou are a terse assistant.<|im_end|>\n"
                + "<|im_start|>user\nWhat is 2+2?<|im_end|>\n"
                + "<|im_start|>assistant\n4<|im_end|>\n"
                + "<|im_start|>user\nAnd 3+3?<|im_end|>\n";
        assertEquals(turns + "<|im_start|>assistant\n", template.render(MULTI_TURN, true));
        assertEquals(turns, template.render(MULTI_TURN, false));
        assertEquals(
                Map.of(
                        "eos_token",
                        "<|im_end|>",
                        "pad_token",
                        "<|endoftext|>",
                        "additional_special_tokens",
                        List.of("<|im_start|>", "<|im_end|>")),
                template.specialTokens());
    }

    // --- meta-llama/Meta-Llama-3-8B-Instruct: bos_token once, then per message
    // '<|start_header_id|>' + role + '<|end_header_id|>\n\n' + content | trim + '<|eot_id|>'.

    @Test
    void llama3StartsWithBosAndOpensTheAssistantHeader() {
        var template = load("llama-3-8b-instruct");
        assertEquals(
                "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\n",
                template.render(List.of(user("Hello!")), true));
    }

    @Test
    void llama3TrimsEachMessageAndOnlyTheMessage() {
        var template = load("llama-3-8b-instruct");
        // The filter binds tighter than +: only the content is trimmed, the header's "\n\n" stays.
        var chat = List.of(system(" Be brief. "), user("  What is 2+2?\n"), assistant("4"), user("And 3+3?"));
        String turns = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n4<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nAnd 3+3?<|eot_id|>";
        assertEquals(turns + "<|start_header_id|>assistant<|end_header_id|>\n\n", template.render(chat, true));
        assertEquals(turns, template.render(chat, false));
    }

    // --- TinyLlama/TinyLlama-1.1B-Chat-v1.0 (HuggingFaceH4/zephyr-7b-beta's template): a newline between tags,
    // removed by trim_blocks after {% %} but kept after {{ }}.

    @Test
    void zephyrPutsEachTurnOnItsOwnLines() {
        var template = load("tinyllama-1.1b-chat");
        assertEquals("<|user|>\nHello!</s>\n<|assistant|>\n", template.render(List.of(user("Hello!")), true));
    }

    @Test
    void zephyrRendersAMultiTurnChat() {
        var template = load("tinyllama-1.1b-chat");
        var chat = List.of(
                system("You are a friendly chatbot."),
                user("Hi"),
                assistant("Hello! How can I help?"),
                user("Tell me a joke."));
        String turns = "<|system|>\nYou are a friendly chatbot.</s>\n<|user|>\nHi</s>\n"
                + "<|assistant|>\nHello! How can I help?</s>\n<|user|>\nTell me a joke.</s>\n";
        assertEquals(turns + "<|assistant|>\n", template.render(chat, true));
        assertEquals(turns, template.render(chat, false));
        assertEquals(
                Map.of("bos_token", "<s>", "eos_token", "</s>", "unk_token", "<unk>", "pad_token", "</s>"),
                template.specialTokens());
    }

    // --- mistralai/Mixtral-8x7B-Instruct-v0.1: rejects what it cannot render with raise_exception.

    @Test
    void mixtralRendersAlternatingTurns() {
        var template = load("mixtral-8x7b-instruct");
        assertEquals(
                "<s>[INST] Hi [/INST]Hello</s>[INST] Bye [/INST]",
                template.render(List.of(user("Hi"), assistant("Hello"), user("Bye")), true));
    }

    @Test
    void mixtralRaisesTheTemplatesOwnMessageForRolesItRejects() {
        var template = load("mixtral-8x7b-instruct");
        var twoUsers = assertThrows(
                IllegalArgumentException.class, () -> template.render(List.of(user("a"), user("b")), true));
        assertEquals("Conversation roles must alternate user/assistant/user/assistant/...", twoUsers.getMessage());
        var systemFirst = assertThrows(
                IllegalArgumentException.class, () -> template.render(List.of(system("a"), user("b")), true));
        assertEquals("Conversation roles must alternate user/assistant/user/assistant/...", systemFirst.getMessage());
        var tool = assertThrows(
                IllegalArgumentException.class,
                () -> template.render(List.of(user("a"), new ChatMessage("tool", "b")), true));
        assertEquals("Only user and assistant roles are supported!", tool.getMessage());
    }

    // --- Qwen/Qwen3-*: chat_template.jinja (as newer transformers saves it). Uses messages[::-1],
    // namespace(last_query_index=messages|length - 1), and .split('</think>') / .lstrip('\n') / .startswith().

    @Test
    void qwen3FromChatTemplateJinjaDropsReasoningOfEarlierTurns() {
        var template = load("qwen3");
        assertTrue(
                template.source().endsWith(Path.of("qwen3", "chat_template.jinja")),
                template.source().toString());
        var chat = List.of(user("What is 2+2?"), assistant("<think>\nAdd them.\n</think>\n\n4"), user("And 3+3?"));
        assertEquals(
                "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n"
                        + "<|im_start|>user\nAnd 3+3?<|im_end|>\n<|im_start|>assistant\n",
                template.render(chat, true));
    }

    @Test
    void qwen3KeepsTheReasoningOfTheAnswerAfterTheLastQuery() {
        var template = load("qwen3");
        assertEquals(
                "<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n<think>\nr\n</think>\n\nA<|im_end|>\n",
                template.render(List.of(user("Q"), assistant("<think>\nr\n</think>\n\nA")), false));
    }

    // --- Loading.

    @Test
    void aFolderWithoutAChatTemplateHasNone(@TempDir Path dir) throws Exception {
        assertEquals(Optional.empty(), ChatTemplate.fromModelDir(dir));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\", \"chat_template\": null}");
        assertEquals(Optional.empty(), ChatTemplate.fromModelDir(dir));
    }

    @Test
    void aMissingFolderIsAnError(@TempDir Path dir) {
        var e = assertThrows(IllegalArgumentException.class, () -> ChatTemplate.fromModelDir(dir.resolve("nope")));
        assertEquals(
                "expected a Hugging Face model folder (with tokenizer_config.json); found no directory at "
                        + dir.resolve("nope"),
                e.getMessage());
    }

    @Test
    void aListOfTemplatesUsesTheOneNamedDefault(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"chat_template": [
                  {"name": "tool_use", "template": "tools: {{ messages[0].content }}"},
                  {"name": "default", "template": "default: {{ messages[0].content }}"}
                ]}
                """);
        assertEquals("default: hi", ChatTemplate.fromModelDir(dir).orElseThrow().render(List.of(user("hi")), true));
    }

    @Test
    void aListWithoutDefaultIsAnError(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("tokenizer_config.json");
        Files.writeString(
                config,
                "{\"chat_template\": [{\"name\": \"tool_use\", \"template\": \"x\"}, "
                        + "{\"name\": \"rag\", \"template\": \"y\"}]}");
        var e = assertThrows(IllegalArgumentException.class, () -> ChatTemplate.fromModelDir(dir));
        assertEquals(
                config + ": chat_template lists templates named [tool_use, rag] but none named \"default\", "
                        + "which transformers renders a chat without tools with",
                e.getMessage());
    }

    @Test
    void chatTemplateJinjaOverridesTheConfigsTemplate(@TempDir Path dir) throws Exception {
        Files.writeString(
                dir.resolve("tokenizer_config.json"),
                "{\"chat_template\": \"config: {{ messages[0].content }}\", \"eos_token\": \"</s>\"}");
        Files.writeString(dir.resolve("chat_template.jinja"), "file: {{ messages[0].content }}{{ eos_token }}\n");
        var template = ChatTemplate.fromModelDir(dir).orElseThrow();
        assertEquals("file: hi</s>", template.render(List.of(user("hi")), true));
        assertEquals(dir.resolve("chat_template.jinja"), template.source());
    }

    @Test
    void chatTemplateJinjaWorksWithoutAConfig(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("chat_template.jinja"), "[{{ bos_token }}]{{ messages[0].content }}");
        var template = ChatTemplate.fromModelDir(dir).orElseThrow();
        assertEquals("[]hi", template.render(List.of(user("hi")), true));
        assertEquals(Map.of(), template.specialTokens());
    }

    @Test
    void specialTokensMayBeAddedTokenObjectsAndNullOnesAreLeftOut(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"added_tokens_decoder": {},
                 "bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": false, "normalized": true},
                 "eos_token": {"content": "</s>"},
                 "pad_token": null,
                 "unk_token": "",
                 "chat_template": "{{ bos_token }}{{ messages[0].content }}{{ eos_token }}|{{ pad_token }}|"}
                """);
        var template = ChatTemplate.fromModelDir(dir).orElseThrow();
        assertEquals(Map.of("bos_token", "<s>", "eos_token", "</s>"), template.specialTokens());
        assertEquals("<s>hi</s>||", template.render(List.of(user("hi")), true));
    }

    @Test
    void legacyConfigsTakeSpecialTokensFromSpecialTokensMap(@TempDir Path dir) throws Exception {
        // Without added_tokens_decoder (before transformers 4.34) special_tokens_map.json wins, as in transformers.
        Files.writeString(
                dir.resolve("tokenizer_config.json"),
                "{\"bos_token\": \"<old>\", \"eos_token\": \"</s>\", \"chat_template\": \"{{ bos_token }}\"}");
        Files.writeString(
                dir.resolve("special_tokens_map.json"),
                "{\"bos_token\": {\"content\": \"<s>\"}, \"unk_token\": \"<unk>\"}");
        assertEquals(
                Map.of("bos_token", "<s>", "eos_token", "</s>", "unk_token", "<unk>"),
                ChatTemplate.fromModelDir(dir).orElseThrow().specialTokens());
        Files.writeString(
                dir.resolve("tokenizer_config.json"),
                "{\"added_tokens_decoder\": {}, "
                        + "\"bos_token\": \"<old>\", \"eos_token\": \"</s>\", \"chat_template\": \"{{ bos_token }}\"}");
        assertEquals(
                Map.of("bos_token", "<old>", "eos_token", "</s>"),
                ChatTemplate.fromModelDir(dir).orElseThrow().specialTokens());
    }

    @Test
    void malformedConfigsNameTheFile(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("tokenizer_config.json");
        Files.writeString(config, "{\"chat_template\": ");
        var notJson = assertThrows(IllegalArgumentException.class, () -> ChatTemplate.fromModelDir(dir));
        assertTrue(notJson.getMessage().startsWith(config + " is not valid JSON: "), notJson.getMessage());
        Files.writeString(config, "{\"chat_template\": 3}");
        var wrongType = assertThrows(IllegalArgumentException.class, () -> ChatTemplate.fromModelDir(dir));
        assertEquals(
                config + ": chat_template must be a string or a list of {\"name\", \"template\"} objects; "
                        + "found number 3",
                wrongType.getMessage());
        Files.writeString(config, "{\"chat_template\": \"x\", \"eos_token\": 2}");
        var badToken = assertThrows(IllegalArgumentException.class, () -> ChatTemplate.fromModelDir(dir));
        assertEquals(
                config + ": eos_token must be a string or an object with a string \"content\"; found 2",
                badToken.getMessage());
    }

    @Test
    void renderRejectsAMissingOrEmptyConversation() {
        var template = load("tinyllama-1.1b-chat");
        Path config = template.source();
        var empty = assertThrows(IllegalArgumentException.class, () -> template.render(List.of(), true));
        assertEquals(
                "expected at least one chat message to render with the chat template in " + config
                        + "; found an empty list",
                empty.getMessage());
        var none = assertThrows(IllegalArgumentException.class, () -> template.render(null, true));
        assertEquals(
                "expected at least one chat message to render with the chat template in " + config + "; found null",
                none.getMessage());
        var withNull = new java.util.ArrayList<ChatMessage>();
        withNull.add(user("hi"));
        withNull.add(null);
        var e = assertThrows(IllegalArgumentException.class, () -> template.render(withNull, true));
        assertEquals("chat message 1 of 2 is null; expected a ChatMessage(role, content)", e.getMessage());
    }

    @Test
    void chatMessagesNeedARoleAndContent() {
        var noRole = assertThrows(IllegalArgumentException.class, () -> new ChatMessage(null, "x"));
        assertEquals(
                "chat message role must be a non-blank string such as \"system\", \"user\" or \"assistant\"; "
                        + "found null",
                noRole.getMessage());
        var blankRole = assertThrows(IllegalArgumentException.class, () -> new ChatMessage(" ", "x"));
        assertEquals(
                "chat message role must be a non-blank string such as \"system\", \"user\" or \"assistant\"; "
                        + "found ' '",
                blankRole.getMessage());
        var noContent = assertThrows(IllegalArgumentException.class, () -> user(null));
        assertEquals(
                "chat message content must be a string (\"\" for an empty turn); found null for role 'user'",
                noContent.getMessage());
        assertEquals(new ChatMessage("assistant", ""), assistant(""));
    }

    static ChatTemplate load(String model) {
        try {
            Path dir =
                    Path.of(ChatTemplateTest.class.getResource("/chat/" + model).toURI());
            return ChatTemplate.fromModelDir(dir).orElseThrow();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
