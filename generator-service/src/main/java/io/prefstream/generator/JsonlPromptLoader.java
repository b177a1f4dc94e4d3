package io.prefstream.generator;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.prefstream.schemas.Prompt;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Reads prompts from a JSON Lines file: one object per line with {@code text} (a non-empty string)
 * and optionally {@code id} (non-empty string, unique in the file), {@code task} (string) and
 * {@code metadata} (object of string, number or boolean values, kept as text). Other fields are
 * rejected (put them in {@code metadata}); blank lines are skipped.
 *
 * <p>Chat prompts: {@code messages}, a non-empty list of {@code {"role": ..., "content": ...}}
 * objects, instead of or besides {@code text}. They travel as JSON in
 * {@code metadata["messages"]}; a policy whose tokenizer has a chat template renders them with
 * {@code add_generation_prompt} (see {@link PromptTokens}). Without {@code text}, the prompt's text
 * (what labelers and gold rewards read) is the content of the last {@code user} message.
 *
 * <p>All or nothing: every line is validated before any prompt is returned, and every bad line is
 * reported with its number and reason (the first {@value PromptFileException#MAX_LISTED} listed, the
 * rest counted), so one run finds them all. A line without {@code id} gets
 * {@code UUIDv3("jsonl:" + lineNumber + ":" + text)}, stable across reloads of the same file; a line
 * without {@code task} gets the loader's default task.
 */
public final class JsonlPromptLoader {

    private static final Set<String> FIELDS = Set.of("id", "text", "task", "metadata", "messages");
    /** Metadata key of a chat prompt's messages, a JSON list of {@code {"role", "content"}} objects. */
    public static final String MESSAGES = "messages";

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private JsonlPromptLoader() {}

    /**
     * Every valid prompt of a file, with its line number, and every bad line with its reason: what
     * {@link #read} checks, for callers that add checks of their own before reporting all problems.
     *
     * @param prompts     the valid prompts, in file order
     * @param lineNumbers 1-based line of each prompt
     * @param problems    every bad line (0: the file itself), in line order
     */
    public record Lines(List<Prompt> prompts, List<Integer> lineNumbers, List<PromptFileException.Problem> problems) {
        public Lines {
            prompts = List.copyOf(prompts);
            lineNumbers = List.copyOf(lineNumbers);
            problems = List.copyOf(problems);
        }
    }

    /**
     * Reads and validates {@code file}.
     *
     * @param defaultTask task of lines that name none, e.g. {@code arithmetic} or {@code custom}
     * @throws PromptFileException naming every bad line, or the file when it cannot be read
     */
    public static List<Prompt> read(Path file, String defaultTask) {
        Lines lines = readLines(file, defaultTask);
        if (!lines.problems().isEmpty()) {
            throw new PromptFileException(file, lines.problems(), null);
        }
        return lines.prompts();
    }

    /**
     * Reads {@code file} to the end, validating every line; never throws for a bad line.
     *
     * @throws PromptFileException only when the file cannot be read at all
     */
    public static Lines readLines(Path file, String defaultTask) {
        if (defaultTask == null || defaultTask.isBlank()) {
            throw new IllegalArgumentException(
                    "default task: expected a non-empty task name, found '" + defaultTask + "'");
        }
        var decoder = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        var prompts = new ArrayList<Prompt>();
        var lineNumbers = new ArrayList<Integer>();
        var problems = new ArrayList<PromptFileException.Problem>();
        var firstLineOfId = new HashMap<String, Integer>();
        long now = System.currentTimeMillis();
        int lineNumber = 0;
        try (BufferedReader reader =
                new BufferedReader(new java.io.InputStreamReader(Files.newInputStream(file), decoder))) {
            String line;
            while ((line = readLine(reader, file, lineNumber + 1)) != null) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    Prompt prompt = parse(file, lineNumber, line, defaultTask, now);
                    Integer previous = firstLineOfId.putIfAbsent(prompt.getId(), lineNumber);
                    if (previous != null) {
                        throw bad(
                                file,
                                lineNumber,
                                "duplicate id '" + prompt.getId() + "' (first used on line " + previous
                                        + "); expected ids unique within the file");
                    }
                    prompts.add(prompt);
                    lineNumbers.add(lineNumber);
                } catch (PromptFileException e) {
                    problems.addAll(e.problems());
                }
            }
        } catch (PromptFileException e) {
            // undecodable bytes: the reader cannot resynchronise, so this is the last line read
            problems.addAll(e.problems());
        } catch (IOException e) {
            throw new PromptFileException(file, 0, "cannot read the file: " + e, e);
        }
        if (prompts.isEmpty() && problems.isEmpty()) {
            problems.add(new PromptFileException.Problem(0, "no prompts: expected at least one JSON object line"));
        }
        return new Lines(prompts, lineNumbers, problems);
    }

    private static String readLine(BufferedReader reader, Path file, int lineNumber) throws IOException {
        try {
            return reader.readLine();
        } catch (CharacterCodingException e) {
            throw new PromptFileException(file, lineNumber, "not valid UTF-8 (" + e + ")", e);
        }
    }

    private static Prompt parse(Path file, int lineNumber, String line, String defaultTask, long now) {
        JsonNode node;
        try (JsonParser parser = JSON.createParser(line)) {
            node = JSON.readTree(parser);
            if (parser.nextToken() != null) {
                throw bad(file, lineNumber, "unexpected content after the JSON object; expected one object per line");
            }
        } catch (JsonProcessingException e) {
            throw bad(file, lineNumber, "not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw bad(file, lineNumber, "not valid JSON: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw bad(
                    file,
                    lineNumber,
                    "expected a JSON object, found " + (node == null ? "nothing" : node.getNodeType()));
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw bad(
                        file,
                        lineNumber,
                        "unknown field '" + name + "'; expected only " + new java.util.TreeSet<>(FIELDS)
                                + " (put other data in metadata)");
            }
        }
        var metadata = metadata(file, lineNumber, node.get("metadata"));
        String messagesText = null;
        if (node.has(MESSAGES)) {
            if (metadata.containsKey(MESSAGES)) {
                throw bad(file, lineNumber, "both field 'messages' and metadata.messages; give the chat messages once");
            }
            messagesText = messages(file, lineNumber, node.get(MESSAGES), metadata);
        }
        JsonNode textNode = node.get("text");
        String text;
        if (textNode == null && messagesText != null) {
            text = messagesText;
        } else {
            if (textNode == null || !textNode.isTextual()) {
                throw bad(
                        file,
                        lineNumber,
                        "field 'text' must be a string, found " + describe(textNode) + " (or give chat 'messages')");
            }
            if (textNode.asText().isEmpty()) {
                throw bad(file, lineNumber, "field 'text' is empty; expected the prompt text");
            }
            text = textNode.asText();
        }
        String id = optionalString(file, lineNumber, node, "id");
        String task = optionalString(file, lineNumber, node, "task");
        String idSource = text + (metadata.containsKey(MESSAGES) ? metadata.get(MESSAGES) : "");
        return Prompt.newBuilder()
                .setId(
                        id != null
                                ? id
                                : UUID.nameUUIDFromBytes(("jsonl:" + lineNumber + ":" + idSource)
                                                .getBytes(StandardCharsets.UTF_8))
                                        .toString())
                .setTask(task != null ? task : defaultTask)
                .setText(text)
                .setTokenIds(null)
                .setMetadata(metadata)
                .setCreatedAtMs(now)
                .build();
    }

    /** Checks the messages, stores them as JSON in {@code metadata}, returns the last user message's content. */
    private static String messages(Path file, int lineNumber, JsonNode node, Map<String, String> metadata) {
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw bad(
                    file,
                    lineNumber,
                    "field 'messages' must be a non-empty list of {\"role\": string, \"content\": "
                            + "string} objects, found " + describe(node));
        }
        var clean = JSON.createArrayNode();
        String lastUser = null;
        for (int i = 0; i < node.size(); i++) {
            JsonNode m = node.get(i);
            if (m == null
                    || !m.isObject()
                    || !m.path("role").isTextual()
                    || m.get("role").asText().isBlank()
                    || !m.path("content").isTextual()
                    || m.size() != 2) {
                throw bad(
                        file,
                        lineNumber,
                        "messages[" + i + "] must be {\"role\": non-empty string, \"content\": "
                                + "string} and nothing else, found " + describe(m));
            }
            clean.addObject()
                    .put("role", m.get("role").asText())
                    .put("content", m.get("content").asText());
            if (m.get("role").asText().equals("user")) {
                lastUser = m.get("content").asText();
            }
        }
        metadata.put(MESSAGES, clean.toString());
        String text = lastUser != null
                ? lastUser
                : node.get(node.size() - 1).get("content").asText();
        if (text.isEmpty()) {
            throw bad(file, lineNumber, "the last user message is empty; expected text to label the prompt by");
        }
        return text;
    }

    private static String optionalString(Path file, int lineNumber, JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null) {
            return null;
        }
        if (!value.isTextual() || value.asText().isBlank()) {
            throw bad(
                    file,
                    lineNumber,
                    "field '" + field + "' must be a non-empty string when present, found " + describe(value));
        }
        return value.asText();
    }

    private static Map<String, String> metadata(Path file, int lineNumber, JsonNode node) {
        if (node == null) {
            return new LinkedHashMap<>();
        }
        if (!node.isObject()) {
            throw bad(file, lineNumber, "field 'metadata' must be an object, found " + describe(node));
        }
        var out = new TreeMap<String, String>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            var e = it.next();
            JsonNode v = e.getValue();
            if (!(v.isTextual() || v.isNumber() || v.isBoolean())) {
                throw bad(
                        file,
                        lineNumber,
                        "metadata." + e.getKey() + " must be a string, number or boolean, found " + describe(v));
            }
            out.put(e.getKey(), v.asText());
        }
        return new LinkedHashMap<>(out);
    }

    private static String describe(JsonNode node) {
        return node == null ? "none" : node.getNodeType().toString().toLowerCase() + " " + node;
    }

    private static PromptFileException bad(Path file, int lineNumber, String reason) {
        return new PromptFileException(file, lineNumber, reason, null);
    }
}
