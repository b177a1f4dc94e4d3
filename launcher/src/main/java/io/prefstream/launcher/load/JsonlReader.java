package io.prefstream.launcher.load;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefstream.launcher.load.InvalidInputException.LineProblem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a JSON Lines file completely and validates every line before anything is used: each
 * non-blank line must be one JSON object, and a {@link LineParser} turns it into a record or
 * names what is wrong. Blank lines are skipped. Any problem fails the whole file with an
 * {@link InvalidInputException} listing the bad lines by number.
 */
public final class JsonlReader {

    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonlReader() {}

    /** Turns one JSON object into a record, or throws {@link IllegalArgumentException} saying why not. */
    @FunctionalInterface
    public interface LineParser<T> {
        T parse(ObjectNode line, int lineNumber);
    }

    /**
     * Every record of {@code file}, in file order.
     *
     * @throws InvalidInputException when any line is invalid, or the file holds no record
     * @throws UncheckedIOException  when the file cannot be read
     */
    public static <T> List<T> read(Path file, LineParser<T> parser) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(file, List.of(new LineProblem(0, "the file does not exist")));
        } catch (CharacterCodingException e) {
            throw new InvalidInputException(file, List.of(new LineProblem(0, "the file is not valid UTF-8")));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
        var records = new ArrayList<T>();
        var problems = new ArrayList<LineProblem>();
        for (int i = 0; i < lines.size(); i++) {
            String text = lines.get(i);
            if (text.isBlank()) {
                continue;
            }
            int number = i + 1;
            try {
                JsonNode node = JSON.readTree(text);
                if (node == null || !node.isObject()) {
                    throw new IllegalArgumentException("expected a JSON object, found "
                            + (node == null
                                    ? "nothing"
                                    : node.getNodeType().toString().toLowerCase()));
                }
                records.add(parser.parse((ObjectNode) node, number));
            } catch (JsonProcessingException e) {
                problems.add(new LineProblem(number, "not valid JSON: " + e.getOriginalMessage()));
            } catch (IllegalArgumentException e) {
                problems.add(new LineProblem(number, e.getMessage()));
            }
        }
        if (problems.isEmpty() && records.isEmpty()) {
            problems.add(new LineProblem(
                    0,
                    lines.isEmpty()
                            ? "the file is empty; expected one JSON object per line"
                            : "the file holds no records (every line is blank); expected one JSON object per line"));
        }
        if (!problems.isEmpty()) {
            throw new InvalidInputException(file, problems);
        }
        return records;
    }

    /** The text of required field {@code name}: present, a JSON string, and not blank. */
    public static String requiredText(ObjectNode line, String name) {
        JsonNode node = line.get(name);
        if (node == null || node.isNull()) {
            throw new IllegalArgumentException("missing required field \"" + name + "\"");
        }
        if (!node.isTextual()) {
            throw new IllegalArgumentException("field \"" + name + "\" must be a string, found "
                    + node.getNodeType().toString().toLowerCase());
        }
        if (node.asText().isBlank()) {
            throw new IllegalArgumentException("field \"" + name + "\" must not be empty");
        }
        return node.asText();
    }

    /** The text of optional field {@code name}, or {@code null} when absent or JSON null. */
    public static String optionalText(ObjectNode line, String name) {
        JsonNode node = line.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual() || node.asText().isBlank()) {
            throw new IllegalArgumentException(
                    "field \"" + name + "\" must be a non-empty string when present, found " + node);
        }
        return node.asText();
    }

    /** The number in optional field {@code name}, or {@code null}; must be finite. */
    public static Double optionalNumber(ObjectNode line, String name) {
        JsonNode node = line.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isNumber() || !Double.isFinite(node.asDouble())) {
            throw new IllegalArgumentException(
                    "field \"" + name + "\" must be a finite number when present, found " + node);
        }
        return node.asDouble();
    }

    /** Rejects fields outside {@code allowed}, so a misspelt key is not silently ignored. */
    public static void onlyFields(ObjectNode line, Set<String> allowed) {
        var unknown = new TreeSet<String>();
        for (Iterator<String> names = line.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                unknown.add(name);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown field" + (unknown.size() == 1 ? " " : "s ") + unknown
                    + "; allowed fields are " + new TreeSet<>(allowed));
        }
    }
}
