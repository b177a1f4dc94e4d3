package io.prefstream.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.prefstream.schemas.Prompt;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlPromptLoaderTest {

    @TempDir
    Path dir;

    private Path file(String... lines) throws IOException {
        Path f = dir.resolve("prompts.jsonl");
        Files.writeString(f, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return f;
    }

    @Test
    void aGoodFileLoadsExactlyItsRecords() throws IOException {
        Path f = file(
                "{\"id\": \"p1\", \"text\": \"1+2=\", \"task\": \"arithmetic\", \"metadata\": {\"answer\": \"3\", \"level\": 1}}",
                "",
                "{\"text\": \"12+30=\"}",
                "   ",
                "{\"text\": \"Write a haiku\", \"task\": \"poems\", \"metadata\": {\"gold\": true}}");
        List<Prompt> prompts = JsonlPromptLoader.read(f, "custom");
        assertEquals(3, prompts.size());
        Prompt first = prompts.get(0);
        assertEquals("p1", first.getId());
        assertEquals("arithmetic", first.getTask());
        assertEquals("1+2=", first.getText());
        assertEquals(Map.of("answer", "3", "level", "1"), first.getMetadata());
        Prompt second = prompts.get(1);
        assertEquals(
                UUID.nameUUIDFromBytes("jsonl:3:12+30=".getBytes(StandardCharsets.UTF_8))
                        .toString(),
                second.getId(),
                "generated ids are stable: line number and text");
        assertEquals("custom", second.getTask());
        assertEquals(Map.of(), second.getMetadata());
        assertEquals(null, second.getTokenIds());
        assertEquals("poems", prompts.get(2).getTask());
        assertEquals(Map.of("gold", "true"), prompts.get(2).getMetadata());
        assertEquals(
                prompts.stream().map(Prompt::getId).toList(),
                JsonlPromptLoader.read(f, "custom").stream().map(Prompt::getId).toList(),
                "reload gives the same ids");
    }

    @Test
    void oneBadLineLoadsNothingAndNamesTheLine() throws IOException {
        Path f = file("{\"text\": \"1+1=\"}", "{\"text\": \"2+2=\"}", "{\"text\": 42}", "{\"text\": \"3+3=\"}");
        var e = assertThrows(PromptFileException.class, () -> JsonlPromptLoader.read(f, "custom"));
        assertEquals(3, e.line());
        assertEquals("field 'text' must be a string, found number 42 (or give chat 'messages')", e.reason());
        assertEquals(
                f
                        + ":3: field 'text' must be a string, found number 42 (or give chat 'messages'); nothing was loaded from the file",
                e.getMessage());
    }

    @Test
    void everyKindOfBadLineIsReportedWithItsReason() throws IOException {
        assertBad("field 'text' must be a string, found none (or give chat 'messages')", "{\"id\": \"x\"}");
        assertBad("field 'text' is empty; expected the prompt text", "{\"text\": \"\"}");
        assertBad("expected a JSON object, found ARRAY", "[1, 2]");
        assertBad(
                "unknown field 'answer'; expected only [id, messages, metadata, task, text] (put other data in metadata)",
                "{\"text\": \"1+1=\", \"answer\": \"2\"}");
        assertBad(
                "unexpected content after the JSON object; expected one object per line",
                "{\"text\": \"1+1=\"} {\"text\": \"2+2=\"}");
        assertBad("field 'id' must be a non-empty string when present, found number 7", "{\"id\": 7, \"text\": \"a\"}");
        assertBad(
                "metadata.k must be a string, number or boolean, found object {\"x\":1}",
                "{\"text\": \"a\", \"metadata\": {\"k\": {\"x\": 1}}}");
        assertBad("field 'metadata' must be an object, found string \"m\"", "{\"text\": \"a\", \"metadata\": \"m\"}");
        var truncated = assertThrows(
                PromptFileException.class,
                () -> JsonlPromptLoader.read(file("{\"text\": \"1+1=\"}", "{\"text\": \"2+"), "custom"));
        assertEquals(2, truncated.line());
        assertEquals(true, truncated.reason().startsWith("not valid JSON: "), truncated.reason());
        var duplicate = assertThrows(
                PromptFileException.class,
                () -> JsonlPromptLoader.read(
                        file(
                                "{\"id\": \"a\", \"text\": \"1\"}",
                                "{\"id\": \"b\", \"text\": \"2\"}",
                                "{\"id\": \"a\", \"text\": \"3\"}"),
                        "custom"));
        assertEquals(3, duplicate.line());
        assertEquals(
                "duplicate id 'a' (first used on line 1); expected ids unique within the file", duplicate.reason());
        var duplicateKey = assertThrows(
                PromptFileException.class,
                () -> JsonlPromptLoader.read(file("{\"text\": \"1\", \"text\": \"2\"}"), "custom"));
        assertEquals(1, duplicateKey.line());
    }

    @Test
    void everyBadLineIsReportedInOneRunAndTheListIsCapped() throws IOException {
        Path f = file(
                "{\"text\": \"ok\"}",
                "{\"txt\": \"a\"}",
                "{\"text\": 42}",
                "{\"text\": \"fine\"}",
                "not json",
                "{\"id\": \"x\", \"text\": \"a\"}",
                "{\"id\": \"x\", \"text\": \"b\"}");
        var e = assertThrows(PromptFileException.class, () -> JsonlPromptLoader.read(f, "custom"));
        assertEquals(
                List.of(2, 3, 5, 7),
                e.problems().stream().map(PromptFileException.Problem::line).toList());
        assertEquals(
                "duplicate id 'x' (first used on line 6); expected ids unique within the file",
                e.problems().get(3).reason());
        assertEquals(true, e.getMessage().startsWith(f + ": 4 invalid lines; nothing was loaded"), e.getMessage());
        assertEquals(true, e.getMessage().contains("\n  " + f + ":3: field 'text' must be a string"), e.getMessage());

        var many = new String[60];
        java.util.Arrays.fill(many, "[]");
        var capped = assertThrows(PromptFileException.class, () -> JsonlPromptLoader.read(file(many), "custom"));
        assertEquals(60, capped.problems().size());
        assertEquals(PromptFileException.MAX_LISTED + 2, capped.getMessage().split("\n").length);
        assertEquals(true, capped.getMessage().endsWith("\n  ... and 10 more"), capped.getMessage());
    }

    @Test
    void anEmptyFileOrOneThatIsNotUtf8IsRejected() throws IOException {
        var empty = assertThrows(PromptFileException.class, () -> JsonlPromptLoader.read(file(""), "custom"));
        assertEquals(0, empty.line());
        assertEquals("no prompts: expected at least one JSON object line", empty.reason());
        Path latin1 = dir.resolve("latin1.jsonl");
        Files.write(latin1, new byte[] {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xE9, '"', '}', '\n'});
        var e = assertThrows(PromptFileException.class, () -> JsonlPromptLoader.read(latin1, "custom"));
        assertEquals(1, e.line());
        var missing = assertThrows(
                PromptFileException.class, () -> JsonlPromptLoader.read(dir.resolve("nope.jsonl"), "custom"));
        assertEquals(0, missing.line());
    }

    private void assertBad(String reason, String line) throws IOException {
        Path f = file("{\"text\": \"ok\"}", line);
        var e = assertThrows(PromptFileException.class, () -> JsonlPromptLoader.read(f, "custom"), line);
        assertEquals(2, e.line(), line);
        assertEquals(reason, e.reason(), line);
    }
}
