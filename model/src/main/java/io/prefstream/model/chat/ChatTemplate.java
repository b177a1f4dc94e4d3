package io.prefstream.model.chat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Hugging Face model folder's chat template, rendered as transformers'
 * {@code tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=...)} renders it: the Jinja
 * template runs with {@code messages} (a list of {@code {"role", "content"}} dicts), {@code add_generation_prompt},
 * {@code tools} and {@code documents} (both none) and the tokenizer's special tokens ({@code bos_token},
 * {@code eos_token}, ... as strings) as variables, in the environment {@link JinjaEnvironment} describes.
 *
 * <p>Where the template comes from, as transformers loads it: {@code chat_template.jinja} in the folder if present
 * (it overrides the config's), else {@code chat_template} in {@code tokenizer_config.json}, either a string or a
 * list of {@code {"name", "template"}} of which the one named {@code "default"} is used (transformers renders a
 * chat without tools with that one).
 *
 * <p>Where the special tokens come from: {@code tokenizer_config.json}'s {@code bos_token}, {@code eos_token},
 * {@code unk_token}, {@code sep_token}, {@code pad_token}, {@code cls_token}, {@code mask_token} (each a string or
 * an {@code {"content": ...}} object; null or empty ones are left out) and {@code additional_special_tokens}; for a
 * config without {@code added_tokens_decoder} (written before transformers 4.34), {@code special_tokens_map.json}'s
 * values override them, as transformers' legacy loading does. Defaults that a tokenizer class supplies in code
 * (say, {@code LlamaTokenizer}'s {@code "<s>"} when the config names no {@code bos_token}) are not known here.
 */
public final class ChatTemplate {

    static final String CONFIG_FILE = "tokenizer_config.json";
    static final String TEMPLATE_FILE = "chat_template.jinja";
    static final String SPECIAL_TOKENS_MAP_FILE = "special_tokens_map.json";
    private static final List<String> SPECIAL_TOKENS =
            List.of("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token");
    private static final String ADDITIONAL_SPECIAL_TOKENS = "additional_special_tokens";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path source;
    private final String template;
    private final JinjaSource jinja;
    private final Map<String, Object> specialTokens;
    private final Clock clock;

    private ChatTemplate(
            Path source, String template, JinjaSource jinja, Map<String, Object> specialTokens, Clock clock) {
        this.source = source;
        this.template = template;
        this.jinja = jinja;
        this.specialTokens = specialTokens;
        this.clock = clock;
    }

    /**
     * The chat template of the Hugging Face model folder {@code dir}, or empty when it has none (no
     * {@code chat_template.jinja} and no {@code chat_template} in {@code tokenizer_config.json}, or no such file).
     *
     * @throws IllegalArgumentException if {@code dir} is not a directory, a file is not the JSON expected, or the
     *                                  template does not parse as Jinja; the message names the file
     * @throws UncheckedIOException     if a file cannot be read
     */
    public static Optional<ChatTemplate> fromModelDir(Path dir) {
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IllegalArgumentException(
                    "expected a Hugging Face model folder (with " + CONFIG_FILE + "); found no directory at " + dir);
        }
        var files = new LinkedHashMap<String, String>();
        for (String name : List.of(CONFIG_FILE, TEMPLATE_FILE, SPECIAL_TOKENS_MAP_FILE)) {
            Path f = dir.resolve(name);
            if (Files.isRegularFile(f)) {
                files.put(name, read(f));
            }
        }
        return fromFiles(files, dir);
    }

    /**
     * As {@link #fromModelDir} for a folder's files held in memory ({@code tokenizer_config.json},
     * {@code chat_template.jinja}, {@code special_tokens_map.json}, by name); {@code dir} names the
     * folder in messages.
     */
    public static Optional<ChatTemplate> fromFiles(Map<String, String> files, Path dir) {
        Path config = dir.resolve(CONFIG_FILE);
        JsonNode root = files.containsKey(CONFIG_FILE) ? readJsonObject(files.get(CONFIG_FILE), config) : null;
        Path templateFile = dir.resolve(TEMPLATE_FILE);
        String template;
        Path source;
        if (files.containsKey(TEMPLATE_FILE)) {
            template = files.get(TEMPLATE_FILE);
            source = templateFile;
        } else if (root != null && root.hasNonNull("chat_template")) {
            template = selectTemplate(root.get("chat_template"), config);
            source = config;
        } else {
            return Optional.empty();
        }
        return Optional.of(new ChatTemplate(
                source, template, parse(template, source), specialTokens(root, files, dir), Clock.systemDefaultZone()));
    }

    /**
     * {@code messages} rendered by the template, with {@code add_generation_prompt} set to
     * {@code addGenerationPrompt} (true for a prompt the model is to answer).
     *
     * @throws IllegalArgumentException if the template calls {@code raise_exception(message)} (the exception's
     *                                  message is the template's, as transformers' {@code TemplateError} is), or
     *                                  fails to render (the message names the template's file and Jinja's error)
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        if (messages == null || messages.isEmpty()) {
            throw new IllegalArgumentException("expected at least one chat message to render with the chat template "
                    + "in " + source + "; found " + (messages == null ? "null" : "an empty list"));
        }
        var conversation = new ArrayList<Map<String, Object>>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage m = messages.get(i);
            if (m == null) {
                throw new IllegalArgumentException("chat message " + i + " of " + messages.size()
                        + " is null; expected a ChatMessage(role, content)");
            }
            var dict = new LinkedHashMap<String, Object>(); // key order as a Python dict {"role", "content"}
            dict.put("role", m.role());
            dict.put("content", m.content());
            conversation.add(dict);
        }
        var bindings = new HashMap<String, Object>(specialTokens);
        bindings.put("messages", conversation);
        bindings.put("tools", null);
        bindings.put("documents", null);
        bindings.put("add_generation_prompt", addGenerationPrompt);
        var rendering = JinjaEnvironment.render(jinja, bindings, clock);
        if (rendering.raised().isPresent()) {
            throw new IllegalArgumentException(rendering.raised().get());
        }
        if (!rendering.failures().isEmpty()) {
            throw new IllegalArgumentException("the chat template in " + source + " failed to render " + messages.size()
                    + " message(s): " + String.join("; ", rendering.failures()));
        }
        return rendering.output();
    }

    /** The template's Jinja source, as read. */
    public String template() {
        return template;
    }

    /** The file the template was read from: the folder's {@code tokenizer_config.json} or {@code chat_template.jinja}. */
    public Path source() {
        return source;
    }

    /**
     * The special tokens the template sees as variables, as transformers' {@code special_tokens_map}: names such as
     * {@code "bos_token"} to strings, and {@code "additional_special_tokens"} to a list of strings.
     */
    public Map<String, Object> specialTokens() {
        return specialTokens;
    }

    /** This template with {@code strftime_now} reading {@code clock}. */
    ChatTemplate withClock(Clock clock) {
        return new ChatTemplate(source, template, jinja, specialTokens, clock);
    }

    private static JinjaSource parse(String template, Path source) {
        JinjaSource jinja;
        try {
            jinja = JinjaSource.of(template);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "the chat template in " + source + " is not valid Jinja: " + e.getMessage(), e);
        }
        var problems = JinjaEnvironment.problems(jinja);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    "the chat template in " + source + " is not valid Jinja: " + String.join("; ", problems));
        }
        return jinja;
    }

    private static String selectTemplate(JsonNode node, Path config) {
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isArray()) {
            var names = new ArrayList<String>();
            for (JsonNode entry : node) {
                JsonNode name = entry.get("name");
                JsonNode template = entry.get("template");
                if (name == null || !name.isTextual() || template == null || !template.isTextual()) {
                    throw new IllegalArgumentException(config + ": each entry of the chat_template list must be "
                            + "{\"name\": string, \"template\": string}; found " + entry);
                }
                if (name.asText().equals("default")) {
                    return template.asText();
                }
                names.add(name.asText());
            }
            throw new IllegalArgumentException(config + ": chat_template lists templates named " + names
                    + " but none named \"default\", which transformers renders a chat without tools with");
        }
        throw new IllegalArgumentException(
                config + ": chat_template must be a string or a list of {\"name\", " + "\"template\"} objects; found "
                        + node.getNodeType().toString().toLowerCase() + " " + node);
    }

    private static Map<String, Object> specialTokens(JsonNode config, Map<String, String> files, Path dir) {
        var tokens = new LinkedHashMap<String, Object>();
        Path configFile = dir.resolve(CONFIG_FILE);
        if (config != null) {
            putTokens(config, configFile, tokens);
            Path map = dir.resolve(SPECIAL_TOKENS_MAP_FILE);
            if (!config.has("added_tokens_decoder") && files.containsKey(SPECIAL_TOKENS_MAP_FILE)) {
                putTokens(readJsonObject(files.get(SPECIAL_TOKENS_MAP_FILE), map), map, tokens);
            }
        }
        return Collections.unmodifiableMap(tokens);
    }

    private static void putTokens(JsonNode json, Path file, Map<String, Object> tokens) {
        for (String name : SPECIAL_TOKENS) {
            if (json.has(name)) {
                String token = tokenText(json.get(name), name, file);
                if (token == null || token.isEmpty()) {
                    tokens.remove(name);
                } else {
                    tokens.put(name, token);
                }
            }
        }
        JsonNode additional = json.get(ADDITIONAL_SPECIAL_TOKENS);
        if (additional != null && !additional.isNull()) {
            if (!additional.isArray()) {
                throw new IllegalArgumentException(
                        file + ": " + ADDITIONAL_SPECIAL_TOKENS + " must be a list of tokens; found " + additional);
            }
            var list = new ArrayList<String>();
            additional.forEach(t -> list.add(tokenText(t, ADDITIONAL_SPECIAL_TOKENS, file)));
            if (list.isEmpty()) {
                tokens.remove(ADDITIONAL_SPECIAL_TOKENS);
            } else {
                tokens.put(ADDITIONAL_SPECIAL_TOKENS, List.copyOf(list));
            }
        }
    }

    /** A token written as a string or as an AddedToken object {@code {"content": ..., ...}}; null stays null. */
    private static String tokenText(JsonNode node, String name, Path file) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isObject() && node.path("content").isTextual()) {
            return node.get("content").asText();
        }
        throw new IllegalArgumentException(
                file + ": " + name + " must be a string or an object with a string " + "\"content\"; found " + node);
    }

    private static JsonNode readJsonObject(String text, Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(file + ": expected a JSON object; found "
                    + (root == null ? "nothing" : root.getNodeType().toString().toLowerCase()));
        }
        return root;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
