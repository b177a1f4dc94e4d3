package io.prefstream.launcher.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prefstream.generator.PromptFileException;
import io.prefstream.schemas.Prompt;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskPromptCheckTest {

    @TempDir
    Path dir;

    private Path file(String... lines) throws IOException {
        return Files.writeString(dir.resolve("prompts.jsonl"), String.join("\n", lines) + "\n");
    }

    @Test
    void shapeGoldRewardTokenizerAndTaskProblemsAreAllReportedByLine() throws IOException {
        Path f = file(
                "{\"text\": \"12+30=\"}",
                "{\"txt\": \"1+1=\"}",
                "{\"text\": \"what is 2+2?\"}",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"7+8=\"}]}",
                "{\"text\": \"Write a haiku\", \"task\": \"poems\"}",
                "{\"text\": \"3+4=\", \"task\": \"arithmetic\"}");
        var e = assertThrows(PromptFileException.class, () -> TaskPromptCheck.read(f, "arithmetic", false));
        assertEquals(
                List.of(2, 3, 4, 5),
                e.problems().stream().map(PromptFileException.Problem::line).toList());
        assertTrue(e.problems().get(0).reason().startsWith("unknown field 'txt'"), e.getMessage());
        assertTrue(e.problems().get(1).reason().startsWith("not a valid arithmetic prompt"), e.getMessage());
        // accepted by the gold reward (its text is 7+8=), dead-lettered by the generator before this check
        assertTrue(
                e.problems()
                        .get(2)
                        .reason()
                        .startsWith("the arithmetic policy would reject it as untokenizable: " + "prompt "),
                e.getMessage());
        assertTrue(e.problems().get(2).reason().contains("has no chat_template"), e.getMessage());
        assertEquals(
                "task 'poems' is not a registered task; expected one of [arithmetic, sentiment], or pass "
                        + "--custom-policy when the prompts are for a policy you brought",
                e.problems().get(3).reason());
    }

    @Test
    void customPolicyAcceptsUnregisteredTasksAndChatButStillChecksGoldRewards() throws IOException {
        Path f = file(
                "{\"messages\": [{\"role\": \"user\", \"content\": \"7+8=\"}]}",
                "{\"text\": \"Write a haiku\", \"task\": \"poems\"}");
        List<Prompt> prompts = TaskPromptCheck.read(f, "arithmetic", true);
        assertEquals(
                List.of("7+8=", "Write a haiku"),
                prompts.stream().map(Prompt::getText).toList());
        Path bad = file("{\"text\": \"2+2\"}");
        var e = assertThrows(PromptFileException.class, () -> TaskPromptCheck.read(bad, "arithmetic", true));
        assertEquals(1, e.line());
    }

    @Test
    void anUnregisteredDefaultTaskNamesTheFlag() throws IOException {
        Path f = file("{\"text\": \"Write a haiku\"}");
        var e = assertThrows(
                io.prefstream.launcher.UsageException.class, () -> TaskPromptCheck.read(f, "poems", false));
        assertEquals(
                "--task 'poems' is not a registered task; expected one of [arithmetic, sentiment], or pass "
                        + "--custom-policy when the prompts are for a policy you brought",
                e.getMessage());
        assertEquals(1, TaskPromptCheck.read(f, "poems", true).size());
    }
}
