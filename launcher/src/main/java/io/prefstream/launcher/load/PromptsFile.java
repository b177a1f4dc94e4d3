package io.prefstream.launcher.load;

import com.fasterxml.jackson.databind.JsonNode;
import io.prefstream.schemas.Prompt;
import io.prefstream.tasks.Task;
import io.prefstream.tasks.Tasks;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Prompts in JSON Lines, one per line:
 * <pre>{"text": "12+30=", "id": "p-1", "task": "arithmetic", "metadata": {"source": "my-set"}}</pre>
 * {@code text} is required; {@code id} defaults to {@code <file name>:<line>}, {@code task} to
 * the command's {@code --task}, {@code metadata} (an object of strings) to empty. When the task
 * is a registered one its gold reward must accept the prompt (e.g. arithmetic needs
 * {@code a+b=}), so a prompt no labeler could score is caught before it is produced. Ids must be
 * unique within the file.
 */
public final class PromptsFile {

    private static final Set<String> FIELDS = Set.of("text", "id", "task", "metadata");

    private PromptsFile() {
    }

    /**
     * Parses and validates the whole file.
     *
     * @param defaultTask task of lines without a {@code task} field
     * @throws InvalidInputException listing every bad line; nothing is returned from an invalid file
     */
    public static List<Prompt> read(Path file, String defaultTask) {
        String fileName = file.getFileName().toString();
        var seen = new HashMap<String, Integer>();
        var tasks = new HashMap<String, Task>();
        Tasks.all().forEach(t -> tasks.put(t.name(), t));
        long now = System.currentTimeMillis();
        return JsonlReader.read(file, (line, number) -> {
            JsonlReader.onlyFields(line, FIELDS);
            String text = JsonlReader.requiredText(line, "text");
            String id = JsonlReader.optionalText(line, "id");
            if (id == null) {
                id = fileName + ":" + number;
            }
            String taskName = JsonlReader.optionalText(line, "task");
            if (taskName == null) {
                taskName = defaultTask;
            }
            Task task = tasks.get(taskName);
            if (task != null) {
                try {
                    task.goldReward(text, "");
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("not a valid " + taskName + " prompt: " + e.getMessage());
                }
            }
            Integer previous = seen.putIfAbsent(id, number);
            if (previous != null) {
                throw new IllegalArgumentException("id \"" + id + "\" repeats line " + previous);
            }
            return Prompt.newBuilder()
                    .setId(id)
                    .setTask(taskName)
                    .setText(text)
                    .setMetadata(metadata(line.get("metadata")))
                    .setCreatedAtMs(now)
                    .build();
        });
    }

    private static Map<String, String> metadata(JsonNode node) {
        var out = new TreeMap<String, String>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException("field \"metadata\" must be an object of strings, found " + node);
        }
        node.fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual()) {
                throw new IllegalArgumentException("metadata \"" + e.getKey() + "\" must be a string, found "
                        + e.getValue());
            }
            out.put(e.getKey(), e.getValue().asText());
        });
        return out;
    }
}
