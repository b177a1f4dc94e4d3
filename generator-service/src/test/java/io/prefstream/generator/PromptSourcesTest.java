package io.prefstream.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.prefstream.platform.lag.PartitionLag;
import io.prefstream.schemas.Prompt;
import io.prefstream.tasks.Tasks;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Task prompts for {@code prefstream prompts produce}, and the trainer-backlog sum. */
class PromptSourcesTest {

    @Test
    void taskPromptsAreTheTasksOwnPromptsUnderStableIds() {
        var task = Tasks.byName("arithmetic");
        List<Prompt> prompts = PromptProducer.taskPrompts(task, 5, 42);
        assertEquals(5, prompts.size());
        assertEquals(task.prompts(42, 5), prompts.stream().map(Prompt::getText).toList());
        assertEquals(
                List.of("arithmetic-42-0", "arithmetic-42-1", "arithmetic-42-2", "arithmetic-42-3", "arithmetic-42-4"),
                prompts.stream().map(Prompt::getId).toList());
        assertEquals(
                Map.of("source", "task", "seed", "42", "index", "3"),
                prompts.get(3).getMetadata());
        assertEquals("arithmetic", prompts.get(0).getTask());
        assertEquals(
                prompts.stream().map(Prompt::getText).toList(),
                PromptProducer.taskPrompts(task, 5, 42).stream()
                        .map(Prompt::getText)
                        .toList());
        var e = assertThrows(IllegalArgumentException.class, () -> PromptProducer.taskPrompts(task, -1, 0));
        assertEquals("--count: expected 0 or more prompts, found -1", e.getMessage());
    }

    @Test
    void trainerBacklogSumsLagOfItsTopicsAndCountsUncommittedPartitionsFromZero() {
        var rows = List.of(
                row("prefstream.preferences", 0, OptionalLong.of(90), 100),
                row("prefstream.preferences", 1, OptionalLong.empty(), 7),
                row("prefstream.offline-preferences", 0, OptionalLong.of(0), 5000));
        assertEquals(17, TrainerBacklog.backlogOf(rows, Set.of("prefstream.preferences", "prefstream.rollouts")));
        assertEquals(0, TrainerBacklog.backlogOf(List.of(), Set.of("prefstream.preferences")));
    }

    private static PartitionLag row(String topic, int partition, OptionalLong committed, long end) {
        OptionalLong lag = committed.isPresent() ? OptionalLong.of(end - committed.getAsLong()) : OptionalLong.empty();
        return new PartitionLag("prefstream-batcher", topic, partition, committed, end, lag, "-", "-", "-");
    }
}
