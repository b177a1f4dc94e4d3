package io.prefstream.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prefstream.platform.config.CommonConfig;
import io.prefstream.platform.kafka.KafkaClients;
import io.prefstream.platform.testing.EmbeddedKafkaExtension;
import io.prefstream.platform.topics.TopicProvisioner;
import io.prefstream.schemas.PreferencePair;
import io.prefstream.schemas.Prompt;
import io.prefstream.schemas.topics.Topics;
import io.prefstream.tasks.Tasks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code offline load}, {@code prompts load} and {@code prompts produce} against a real broker. */
class LoadCommandsTest {

    @RegisterExtension
    static EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.perClass();

    private static final String REGISTRY = "mock://load-commands-test";

    @TempDir
    Path dir;

    @BeforeAll
    static void provision() {
        var config = new CommonConfig(
                kafka.bootstrapServers(), REGISTRY, "test", 0, Path.of("."), 2, (short) 1, -1, Map.of());
        try (var admin = new KafkaClients(config).admin()) {
            TopicProvisioner.from(admin, config).ensureAll();
        }
    }

    private String[] cluster(String... args) {
        var all = new java.util.ArrayList<>(List.of(args));
        all.addAll(List.of("--bootstrap", kafka.bootstrapServers(), "--registry", REGISTRY));
        return all.toArray(String[]::new);
    }

    private static List<ConsumerRecord<String, PreferencePair>> offlinePairs() {
        return TopicContents.readAll(
                kafka.bootstrapServers(), REGISTRY, Topics.OFFLINE_PREFERENCES.name(), PreferencePair.class);
    }

    private static List<ConsumerRecord<String, Prompt>> prompts() {
        return TopicContents.readAll(kafka.bootstrapServers(), REGISTRY, Topics.PROMPTS.name(), Prompt.class);
    }

    @Test
    void offlineFileLoadsExactlyItsPairsAndAnInvalidFileLoadsNothing() throws IOException {
        var before = offlinePairs();
        Path good = Files.writeString(dir.resolve("pairs.jsonl"), """
                {"prompt": "1+2=", "chosen": "3", "rejected": "4", "id": "a"}

                {"prompt": "10+20=", "chosen": "30", "rejected": "31", "source": "hand-made", "chosen_reward": 1.0}
                {"prompt": "5+5=", "chosen": "10", "rejected": "11"}
                """);
        var result = Cli.run(cluster("offline", "load", good.toString()));
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.out().contains("Loaded 3 offline preference pairs"), result.out());
        var added = TopicContents.addedEventually(before, LoadCommandsTest::offlinePairs, 3);
        assertEquals(3, added.size());
        var loaded = added.stream().collect(Collectors.toMap(ConsumerRecord::key, ConsumerRecord::value));
        assertEquals("3", loaded.get("a").getChosenText());
        assertEquals("pairs.jsonl", loaded.get("a").getSource());
        var second = loaded.values().stream()
                .filter(p -> p.getPromptText().equals("10+20="))
                .findFirst()
                .orElseThrow();
        assertEquals("hand-made", second.getSource());
        assertEquals(1.0, second.getChosenReward());
        assertTrue(second.getId().startsWith("sha256:"), second.getId());

        Path bad = Files.writeString(dir.resolve("bad.jsonl"), """
                {"prompt": "1+2=", "chosen": "3", "rejected": "4"}
                {"prompt": "2+2=", "chosen": "4", "rejected": "5"}
                {"prompt": "3+2=", "chosen": "5"}
                {"prompt": "4+2=", "chosen": "6", "rejected": "7"}
                """);
        var failed = Cli.run(cluster("offline", "load", bad.toString()));
        assertEquals(PrefstreamCommand.EXIT_USAGE, failed.exitCode());
        assertTrue(failed.err().contains("line 3: missing required field \"rejected\""), failed.err());
        assertTrue(failed.err().contains("nothing was loaded"), failed.err());
        assertEquals(before.size() + 3, offlinePairs().size(), "an invalid file must load nothing");
    }

    @Test
    void offlineValidationNamesEveryKindOfBadLine() throws IOException {
        Path bad = Files.writeString(dir.resolve("many.jsonl"), """
                not json
                ["an", "array"]
                {"prompt": "1+1=", "chosen": "2", "rejected": "2"}
                {"prompt": "1+1=", "chosen": 2, "rejected": "3"}
                {"prompt": "1+1=", "chosen": "2", "rejected": "3", "chosn": "x"}
                {"prompt": "1+1=", "chosen": "2", "rejected": "3", "id": "x"}
                {"prompt": "1+2=", "chosen": "3", "rejected": "4", "id": "x"}
                """);
        var failed = Cli.run(cluster("offline", "load", bad.toString()));
        assertEquals(PrefstreamCommand.EXIT_USAGE, failed.exitCode());
        String err = failed.err();
        assertTrue(err.contains("6 invalid lines"), err);
        assertTrue(err.contains("line 1: not valid JSON"), err);
        assertTrue(err.contains("line 2: expected a JSON object, found array"), err);
        assertTrue(err.contains("line 3: \"chosen\" and \"rejected\" are the same text"), err);
        assertTrue(err.contains("line 4: field \"chosen\" must be a string, found number"), err);
        assertTrue(err.contains("line 5: unknown field [chosn]"), err);
        assertTrue(err.contains("line 7: id \"x\" repeats line 6"), err);
    }

    @Test
    void promptsFileLoadsExactlyItsPromptsAndAnInvalidFileLoadsNothing() throws IOException {
        var before = prompts();
        Path good = Files.writeString(dir.resolve("prompts.jsonl"), """
                {"text": "12+30=", "id": "p-1", "metadata": {"source": "test"}}
                {"text": "7+8="}
                """);
        var result = Cli.run(cluster("prompts", "load", good.toString()));
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.out().contains("Loaded 2 prompts"), result.out());
        var added = TopicContents.addedEventually(before, LoadCommandsTest::prompts, 2);
        assertEquals(2, added.size());
        var loaded = added.stream().collect(Collectors.toMap(ConsumerRecord::key, ConsumerRecord::value));
        assertTrue(loaded.containsKey("p-1"), loaded.keySet().toString());
        assertEquals(
                Set.of("12+30=", "7+8="),
                loaded.values().stream().map(Prompt::getText).collect(Collectors.toSet()));
        assertEquals("arithmetic", loaded.get("p-1").getTask());
        assertEquals("test", loaded.get("p-1").getMetadata().get("source"));

        Path bad = Files.writeString(dir.resolve("bad-prompts.jsonl"), """
                {"text": "1+1="}
                {"text": "what is one plus one?"}
                """);
        var failed = Cli.run(cluster("prompts", "load", bad.toString()));
        assertEquals(PrefstreamCommand.EXIT_USAGE, failed.exitCode());
        assertTrue(failed.err().contains("bad-prompts.jsonl:2: not a valid arithmetic prompt"), failed.err());
        Path malformed = Files.writeString(dir.resolve("malformed-prompts.jsonl"), """
                {"text": "1+1="}

                {"txt": "2+2="}
                """);
        var rejected = Cli.run(cluster("prompts", "load", malformed.toString()));
        assertEquals(PrefstreamCommand.EXIT_USAGE, rejected.exitCode());
        assertTrue(rejected.err().contains("malformed-prompts.jsonl:3: unknown field 'txt'"), rejected.err());
        assertEquals(before.size() + 2, prompts().size(), "an invalid file must load nothing");
    }

    @Test
    void promptsProduceWritesTheTasksSeededPrompts() {
        var before = prompts();
        var result = Cli.run(cluster("prompts", "produce", "--task", "arithmetic", "--count", "50", "--seed", "7"));
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.out().contains("Produced 50 arithmetic prompts (seed 7)"), result.out());
        assertEquals(
                0,
                Cli.run(cluster("prompts", "produce", "--count", "5", "--seed", "8"))
                        .exitCode());
        var produced = TopicContents.addedEventually(before, LoadCommandsTest::prompts, 55).stream()
                .map(ConsumerRecord::value)
                .filter(p -> p.getId().startsWith("arithmetic-7-"))
                .toList();
        assertEquals(50, produced.size());
        assertEquals(55, TopicContents.added(before, prompts()).size());
        assertEquals(50, produced.stream().map(Prompt::getId).distinct().count());
        assertEquals(
                Tasks.byName("arithmetic").prompts(7, 50).stream().sorted().toList(),
                produced.stream().map(Prompt::getText).sorted().toList());
    }

    @Test
    void unknownTaskAndMissingFileAreUserErrors(@TempDir Path empty) {
        var unknown = Cli.run(cluster("prompts", "produce", "--task", "chess", "--count", "5"));
        assertEquals(PrefstreamCommand.EXIT_USAGE, unknown.exitCode());
        assertTrue(
                unknown.err().contains("--task: unknown task 'chess'; known tasks: " + Tasks.names()), unknown.err());

        var missing =
                Cli.run(cluster("offline", "load", empty.resolve("nope.jsonl").toString()));
        assertEquals(PrefstreamCommand.EXIT_USAGE, missing.exitCode());
        assertTrue(missing.err().contains("file does not exist"), missing.err());
    }

    /** Issue 16: an empty file was reported as "line 0". */
    @Test
    void anEmptyFileIsReportedAsEmptyNotAsLineZero(@TempDir Path tmp) throws IOException {
        Path file = Files.writeString(tmp.resolve("pairs.jsonl"), "");
        var result = Cli.run(cluster("offline", "load", file.toString()));
        assertEquals(PrefstreamCommand.EXIT_USAGE, result.exitCode());
        assertEquals(
                "prefstream load: " + file + ": the file is empty; expected one JSON object per line; "
                        + "nothing was loaded.",
                result.err().strip());
    }
}
