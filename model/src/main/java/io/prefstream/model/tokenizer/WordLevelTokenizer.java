package io.prefstream.model.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefstream.model.hf.HfTokenizer;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a Hugging Face word-level tokenizer ({@code tokenizer.json} with a {@code WordLevel} model)
 * for a task's vocabulary, plus the {@code tokenizer_config.json} and {@code generation_config.json}
 * that make transformers' {@code AutoTokenizer} load it as a {@code PreTrainedTokenizerFast}.
 *
 * <p>Ids: {@code <pad> = 0, <bos> = 1, <eos> = 2, <unk> = 3}, then the words in the given order.
 * Text is lowercased and split by the {@code Whitespace} pre-tokenizer ({@code \w+|[^\w\s]+}); a
 * single sequence gets {@code <bos>} in front (TemplateProcessing); with no decoder, decoding joins
 * tokens with single spaces.
 */
public final class WordLevelTokenizer {

    public static final List<String> SPECIALS = List.of("<pad>", "<bos>", "<eos>", "<unk>");
    private static final ObjectMapper JSON = new ObjectMapper();

    private WordLevelTokenizer() {}

    /** The tokenizer for {@code words} (no specials, no duplicates, no whitespace inside a word). */
    public static HfTokenizer of(List<String> words) {
        return HfTokenizer.of(files(words), "word-level tokenizer of " + words.size() + " words");
    }

    /** tokenizer.json, tokenizer_config.json and generation_config.json as bytes. */
    public static Map<String, byte[]> files(List<String> words) {
        var seen = new HashSet<String>(SPECIALS);
        ObjectNode vocab = JSON.createObjectNode();
        for (int i = 0; i < SPECIALS.size(); i++) {
            vocab.put(SPECIALS.get(i), i);
        }
        for (String w : words) {
            if (w.isEmpty() || w.chars().anyMatch(Character::isWhitespace) || !seen.add(w)) {
                throw new IllegalArgumentException("word-level vocabulary entry '" + w
                        + "' is empty, contains whitespace, is a special token or repeats an earlier entry");
            }
            vocab.put(w, vocab.size());
        }
        ObjectNode t = JSON.createObjectNode();
        t.put("version", "1.0");
        t.putNull("truncation");
        t.putNull("padding");
        ArrayNode added = t.putArray("added_tokens");
        for (int i = 0; i < SPECIALS.size(); i++) {
            added.addObject()
                    .put("id", i)
                    .put("content", SPECIALS.get(i))
                    .put("single_word", false)
                    .put("lstrip", false)
                    .put("rstrip", false)
                    .put("normalized", false)
                    .put("special", true);
        }
        t.putObject("normalizer").put("type", "Lowercase");
        t.putObject("pre_tokenizer").put("type", "Whitespace");
        ObjectNode post = t.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        post.putArray("single")
                .addObject()
                .putObject("SpecialToken")
                .put("id", "<bos>")
                .put("type_id", 0);
        ((ArrayNode) post.get("single"))
                .addObject()
                .putObject("Sequence")
                .put("id", "A")
                .put("type_id", 0);
        ArrayNode pair = post.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", "<bos>").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode bos = post.putObject("special_tokens").putObject("<bos>");
        bos.put("id", "<bos>");
        bos.putArray("ids").add(1);
        bos.putArray("tokens").add("<bos>");
        t.putNull("decoder");
        ObjectNode model = t.putObject("model");
        model.put("type", "WordLevel");
        model.set("vocab", vocab);
        model.put("unk_token", "<unk>");

        ObjectNode config = JSON.createObjectNode();
        config.put("tokenizer_class", "PreTrainedTokenizerFast");
        config.put("bos_token", "<bos>");
        config.put("eos_token", "<eos>");
        config.put("pad_token", "<pad>");
        config.put("unk_token", "<unk>");
        config.put("model_max_length", 1_000_000);
        ObjectNode generation = JSON.createObjectNode();
        generation.put("bos_token_id", 1);
        generation.put("eos_token_id", 2);
        generation.put("pad_token_id", 0);
        try {
            var files = new LinkedHashMap<String, byte[]>();
            files.put(
                    HfTokenizer.TOKENIZER_JSON,
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(t));
            files.put(
                    "tokenizer_config.json",
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
            files.put(
                    "generation_config.json",
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(generation));
            return files;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
