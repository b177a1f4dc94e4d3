package io.prefstream.labeler.machine;

import io.prefstream.labeler.MachineKind;
import io.prefstream.schemas.Completion;
import io.prefstream.schemas.Rollout;
import io.prefstream.tasks.Task;
import io.prefstream.tasks.Tasks;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Labels a completion with its task's gold reward: {@code score_i = task.goldReward(prompt, text_i)}
 * for the built-in task named by the prompt. A rollout of an unknown task fails with
 * {@link LabelingException#UNKNOWN_TASK}; it is never scored as zero.
 */
public final class RuleLabeler implements MachineLabeler {

    /** Revision of the rule: bump when the mapping from task to score changes. */
    public static final String VERSION = "gold-reward/1";

    private final Map<String, Task> tasks = new ConcurrentHashMap<>();

    @Override
    public MachineKind kind() {
        return MachineKind.RULE;
    }

    @Override
    public String labelerId(Rollout rollout) {
        return "rule:" + rollout.getPrompt().getTask();
    }

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public List<Outcome> score(List<Rollout> batch) {
        var out = new ArrayList<Outcome>(batch.size());
        for (Rollout rollout : batch) {
            out.add(score(rollout));
        }
        return out;
    }

    private Outcome score(Rollout rollout) {
        String name = rollout.getPrompt().getTask();
        Task task;
        try {
            task = tasks.computeIfAbsent(name, Tasks::byName);
        } catch (IllegalArgumentException e) {
            return Outcome.failed(new LabelingException(
                    LabelingException.UNKNOWN_TASK,
                    "rollout " + rollout.getId() + ": " + e.getMessage()
                            + "; the rule labeler scores built-in tasks only",
                    e));
        }
        String prompt = rollout.getPrompt().getText();
        List<Completion> completions = rollout.getCompletions();
        double[] scores = new double[completions.size()];
        try {
            for (int i = 0; i < scores.length; i++) {
                scores[i] = task.goldReward(prompt, completions.get(i).getText());
            }
        } catch (RuntimeException e) {
            return Outcome.failed(new LabelingException(
                    LabelingException.SCORING_FAILED,
                    "rollout " + rollout.getId() + ": task " + name + " cannot score it: " + e.getMessage(),
                    e));
        }
        return Outcome.of(scores);
    }
}
