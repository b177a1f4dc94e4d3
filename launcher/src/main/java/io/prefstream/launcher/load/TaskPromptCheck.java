package io.prefstream.launcher.load;

import io.prefstream.generator.InvalidPromptException;
import io.prefstream.generator.JsonlPromptLoader;
import io.prefstream.generator.PromptFileException;
import io.prefstream.generator.PromptFileException.Problem;
import io.prefstream.generator.PromptTokens;
import io.prefstream.model.tokenizer.Tokenizer;
import io.prefstream.model.tokenizer.Tokenizers;
import io.prefstream.schemas.Prompt;
import io.prefstream.tasks.Task;
import io.prefstream.tasks.Tasks;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Validation of {@code prompts load}: the generator's {@link JsonlPromptLoader} checks each line's
 * shape, then every prompt must pass the rules its consumers apply, so nothing accepted here is
 * dead-lettered later:
 * <ul>
 *   <li>a registered task's gold reward must accept the prompt (e.g. arithmetic needs {@code a+b=}),
 *       else no rule labeler could label its rollouts;</li>
 *   <li>a registered task's tokenizer must encode it under the generator's {@link PromptTokens}
 *       rules (chat {@code messages} need a chat template, which task tokenizers lack);</li>
 *   <li>a task name that is not registered is rejected, naming the known tasks.</li>
 * </ul>
 * With {@code customPolicy} the prompts are for a policy the user brought (a Hugging Face folder
 * with its own tokenizer, labeled by humans or a reward model): any task name is accepted and the
 * task tokenizer is not applied; the generator checks the policy's tokenizer itself. The context
 * length rule depends on the served model and is left to the generator.
 */
public final class TaskPromptCheck {

    private TaskPromptCheck() {}

    /**
     * Every prompt of {@code file}, or every problem of every line.
     *
     * @param defaultTask  task of lines without a {@code task} field (the user's {@code --task})
     * @param customPolicy the user's {@code --custom-policy}
     * @throws PromptFileException listing every bad line, shape and task problems together, in line order
     */
    public static List<Prompt> read(Path file, String defaultTask, boolean customPolicy) {
        Map<String, Task> tasks = new HashMap<>();
        Tasks.all().forEach(t -> tasks.put(t.name(), t));
        if (!customPolicy && !tasks.containsKey(defaultTask)) {
            throw new io.prefstream.launcher.UsageException(
                    "--task '" + defaultTask + "' is not a registered task; expected one of " + Tasks.names()
                            + ", or pass --custom-policy when the prompts are for a policy you brought");
        }
        JsonlPromptLoader.Lines lines = JsonlPromptLoader.readLines(file, defaultTask);
        var problems = new ArrayList<>(lines.problems());
        var tokenizers = new HashMap<String, Tokenizer>();
        for (int i = 0; i < lines.prompts().size(); i++) {
            String reason = problem(lines.prompts().get(i), tasks, tokenizers, customPolicy);
            if (reason != null) {
                problems.add(new Problem(lines.lineNumbers().get(i), reason));
            }
        }
        if (!problems.isEmpty()) {
            problems.sort(Comparator.comparingInt(Problem::line));
            throw new PromptFileException(file, problems, null);
        }
        return lines.prompts();
    }

    private static String problem(
            Prompt prompt, Map<String, Task> tasks, Map<String, Tokenizer> tokenizers, boolean customPolicy) {
        Task task = tasks.get(prompt.getTask());
        if (task == null) {
            return customPolicy
                    ? null
                    : "task '" + prompt.getTask() + "' is not a registered task; expected one of " + Tasks.names()
                            + ", or pass --custom-policy when the prompts are for a policy you brought";
        }
        try {
            task.goldReward(prompt.getText(), "");
        } catch (IllegalArgumentException e) {
            return "not a valid " + task.name() + " prompt: " + e.getMessage();
        }
        if (customPolicy) {
            return null;
        }
        try {
            PromptTokens.tokens(
                    prompt, tokenizers.computeIfAbsent(task.name(), n -> Tokenizers.forSpec(task.tokenizerSpec())));
            return null;
        } catch (InvalidPromptException e) {
            return "the " + task.name() + " policy would reject it as " + e.reason() + ": " + e.getMessage();
        }
    }
}
