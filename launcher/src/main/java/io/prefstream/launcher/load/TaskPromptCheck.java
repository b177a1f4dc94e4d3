package io.prefstream.launcher.load;

import io.prefstream.launcher.load.InvalidInputException.LineProblem;
import io.prefstream.schemas.Prompt;
import io.prefstream.tasks.Task;
import io.prefstream.tasks.Tasks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * The second validation pass of {@code prompts load}, after the generator's
 * {@code JsonlPromptLoader} accepted the file's shape: a prompt of a registered task must be one
 * that task can score (its gold reward accepts it, e.g. arithmetic needs {@code a+b=}), otherwise
 * no rule labeler could ever label its rollouts. Prompts of unregistered tasks (for human or
 * reward-model labeling) pass.
 */
public final class TaskPromptCheck {

    private TaskPromptCheck() {
    }

    /**
     * @param prompts the loader's prompts, in file order (one per non-blank line)
     * @throws InvalidInputException naming every prompt its task rejects, by line number
     */
    public static void check(Path file, List<Prompt> prompts) {
        var tasks = new HashMap<String, Task>();
        Tasks.all().forEach(t -> tasks.put(t.name(), t));
        List<Integer> lineNumbers = nonBlankLineNumbers(file);
        var problems = new ArrayList<LineProblem>();
        for (int i = 0; i < prompts.size(); i++) {
            Prompt prompt = prompts.get(i);
            Task task = tasks.get(prompt.getTask());
            if (task == null) {
                continue;
            }
            try {
                task.goldReward(prompt.getText(), "");
            } catch (IllegalArgumentException e) {
                int line = i < lineNumbers.size() ? lineNumbers.get(i) : 0;
                problems.add(new LineProblem(line, "not a valid " + task.name() + " prompt: " + e.getMessage()));
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidInputException(file, problems);
        }
    }

    private static List<Integer> nonBlankLineNumbers(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            var out = new ArrayList<Integer>();
            for (int i = 0; i < lines.size(); i++) {
                if (!lines.get(i).isBlank()) {
                    out.add(i + 1);
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
    }
}
