package io.prefstream.generator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prefstream.model.hf.HfTokenizer;
import io.prefstream.schemas.Prompt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Chat prompts: {@code messages} in JSONL, rendered by the policy's chat template before tokenizing. */
class ChatPromptsTest {

    static final Path QWEN2 =
            Path.of("../model/src/test/resources/hf/qwen2").toAbsolutePath().normalize();
    static final Path QWEN_TEMPLATE = Path.of("../model/src/test/resources/chat/qwen2.5-instruct/tokenizer_config.json")
            .toAbsolutePath()
            .normalize();

    @TempDir
    Path dir;

    @Test
    void messagesTravelInMetadataAndTheLastUserMessageIsTheText() throws Exception {
        Path file = Files.writeString(
                dir.resolve("p.jsonl"),
                "{\"id\": \"c1\", \"messages\": [{\"role\": \"system\", "
                        + "\"content\": \"Be brief.\"}, {\"role\": \"user\", \"content\": \"What is 2+2?\"}]}\n");
        Prompt p = JsonlPromptLoader.read(file, "custom").get(0);
        assertEquals("What is 2+2?", p.getText());
        assertEquals(
                "[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"What is 2+2?\"}]",
                p.getMetadata().get(JsonlPromptLoader.MESSAGES));
        Path bad = Files.writeString(dir.resolve("bad.jsonl"), "{\"messages\": [{\"role\": \"user\"}]}\n");
        var e = assertThrows(PromptFileException.class, () -> JsonlPromptLoader.read(bad, "custom"));
        assertTrue(
                e.getMessage().contains("messages[0] must be {\"role\": non-empty string, \"content\": string}"),
                e.getMessage());
    }

    @Test
    void aPolicyWithAChatTemplateRendersTheMessagesWithTheGenerationPrompt() throws Exception {
        for (String f : new String[] {"config.json", "tokenizer.json", "generation_config.json"}) {
            Files.copy(QWEN2.resolve(f), dir.resolve(f));
        }
        Files.copy(QWEN_TEMPLATE, dir.resolve("tokenizer_config.json"));
        HfTokenizer tokenizer = HfTokenizer.load(dir);
        String messages = "[{\"role\":\"user\",\"content\":\"the quick dog\"}]";
        int[] ids = PromptTokens.encodeChat("c1", messages, tokenizer);
        // Qwen2.5's ChatML template with its default system prompt, as transformers' apply_chat_template renders it
        String rendered = "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant."
                + "<|im_end|>\n<|im_start|>user\nthe quick dog<|im_end|>\n<|im_start|>assistant\n";
        assertArrayEquals(tokenizer.encode(rendered), ids);

        HfTokenizer plain = HfTokenizer.load(QWEN2);
        var e = assertThrows(InvalidPromptException.class, () -> PromptTokens.encodeChat("c2", messages, plain));
        assertTrue(
                e.getMessage().contains("gives chat messages but tokenizer " + plain.id() + " has no chat_template"),
                e.getMessage());
        var prompt = Prompt.newBuilder()
                .setId("c3")
                .setTask("custom")
                .setText("the quick dog")
                .setTokenIds(null)
                .setMetadata(Map.of(JsonlPromptLoader.MESSAGES, messages))
                .setCreatedAtMs(0)
                .build();
        var config = io.prefstream.model.LmConfig.llama(400, 32, 1, 2, 2, 32, 256, 10000.0);
        assertArrayEquals(ids, PromptTokens.encode(prompt, tokenizer, config, 8));
    }
}
