package io.prefstream.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prefstream.schemas.Label;
import io.prefstream.schemas.LabelKind;
import io.prefstream.schemas.LabeledRollout;
import io.prefstream.schemas.topics.Topics;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code prefstream up} as other processes see it: an external labeler in a separate JVM labels
 * the stack's human label requests through the printed bootstrap and registry addresses, and the
 * stack's label join decodes and joins those labels; after a restart on the same data dir the
 * registry serves the same subjects and ids and every record on the topics still decodes.
 */
class UpCommandTest {

    private static final Duration START_TIMEOUT = Duration.ofMinutes(6);
    private static final String LABELER_ID = "shortest-bot";
    private static final int LABELS = 6;

    @TempDir
    Path dir;

    /** One {@code up} running on a thread of this JVM. */
    private record Running(
            UpCommand command, CompletableFuture<Integer> exit, UpCommand.Endpoints endpoints, StringWriter out)
            implements AutoCloseable {
        @Override
        public void close() throws Exception {
            command.stop(Duration.ofMinutes(2));
            assertEquals(0, exit.get(2, TimeUnit.MINUTES), out.toString());
        }
    }

    private Running up(Path dataDir) throws Exception {
        var command = new UpCommand();
        var cli = new picocli.CommandLine(command);
        cli.setExecutionExceptionHandler((e, c, p) -> {
            throw e;
        });
        var out = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        var exit = CompletableFuture.supplyAsync(() -> cli.execute(
                "--profile",
                "tiny",
                "--labeling",
                "human",
                "--kafka-port",
                "0",
                "--controller-port",
                "0",
                "--registry-port",
                "0",
                "--http-port",
                "0",
                "--metrics-port",
                "0",
                "--data-dir",
                dataDir.toString(),
                "--cache-dir",
                TestCache.DIR.toString()));
        UpCommand.Endpoints endpoints;
        try {
            endpoints = command.ready().get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("up did not start: " + out, e);
        }
        assertTrue(out.toString().contains("bootstrap.servers     " + endpoints.bootstrapServers()), out.toString());
        assertTrue(out.toString().contains("schema.registry.url   " + endpoints.schemaRegistryUrl()), out.toString());
        return new Running(command, exit, endpoints, out);
    }

    @Test
    void externalLabelerInAnotherJvmIsJoinedAndSchemasSurviveARestart() throws Exception {
        Path dataDir = dir.resolve("stack");
        Map<String, Integer> idsBefore;
        int labelsBefore;
        try (Running stack = up(dataDir)) {
            var e = stack.endpoints();
            assertEquals(
                    200,
                    get(e.health()).statusCode(),
                    "health: " + get(e.health()).body());
            assertTrue(get(e.metrics()).body().contains("# TYPE"), "Prometheus text at " + e.metrics());
            assertEquals(200, get(e.labelingUi()).statusCode());

            var fed = Cli.run(
                    "prompts",
                    "produce",
                    "--count",
                    "12",
                    "--seed",
                    "3",
                    "--bootstrap",
                    e.bootstrapServers(),
                    "--registry",
                    e.schemaRegistryUrl());
            assertEquals(0, fed.exitCode(), fed.err());

            Process labeler = new ProcessBuilder(
                            javaBinary(),
                            "-cp",
                            System.getProperty("java.class.path"),
                            "io.prefstream.examples.ExternalLabeler",
                            "--bootstrap",
                            e.bootstrapServers(),
                            "--registry",
                            e.schemaRegistryUrl(),
                            "--labeler-id",
                            LABELER_ID,
                            "--max",
                            Integer.toString(LABELS),
                            "--idle-ms",
                            "120000")
                    .redirectErrorStream(true)
                    .start();
            assertTrue(labeler.waitFor(4, TimeUnit.MINUTES), "external labeler did not finish");
            String labelerOutput = new String(labeler.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, labeler.exitValue(), labelerOutput);

            List<Label> external = labels(e).stream()
                    .map(ConsumerRecord::value)
                    .filter(l -> l.getLabelerId().equals(LABELER_ID))
                    .toList();
            assertEquals(LABELS, external.size(), "labels written by the external JVM");
            Set<String> externalIds = external.stream().map(Label::getLabelId).collect(Collectors.toSet());

            // The stack's label join decodes the external labels and emits the rollouts they complete.
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            List<LabeledRollout> joined = List.of();
            while (System.nanoTime() < deadline) {
                joined = TopicContents.readAll(
                                e.bootstrapServers(),
                                e.schemaRegistryUrl(),
                                Topics.PREFERENCES.name(),
                                LabeledRollout.class)
                        .stream()
                        .map(ConsumerRecord::value)
                        .filter(r -> r.getSummary().getLabelIds().stream().anyMatch(externalIds::contains))
                        .toList();
                if (joined.size() >= LABELS) {
                    break;
                }
                Thread.sleep(500);
            }
            assertEquals(LABELS, joined.size(), "rollouts joined with the external labels");
            for (LabeledRollout r : joined) {
                assertTrue(
                        r.getSummary().getVotes().stream().anyMatch(v -> v.getKind() == LabelKind.HUMAN),
                        "HUMAN votes in " + r.getSummary());
            }
            idsBefore = registrySubjects(e.schemaRegistryUrl());
            assertTrue(idsBefore.containsKey(Topics.LABELS.name() + "-value"), idsBefore.toString());
            labelsBefore = labels(e).size();
        }

        try (Running again = up(dataDir)) {
            var e = again.endpoints();
            Map<String, Integer> idsAfter = registrySubjects(e.schemaRegistryUrl());
            for (var entry : idsBefore.entrySet()) {
                assertEquals(entry.getValue(), idsAfter.get(entry.getKey()), "schema id of " + entry.getKey());
            }
            var labels = labels(e);
            assertEquals(labelsBefore, labels.size(), "labels written before the restart, decoded after it");
            assertEquals(
                    LABELS,
                    labels.stream()
                            .filter(r -> r.value().getLabelerId().equals(LABELER_ID))
                            .count());
            assertTrue(
                    again.out().toString().contains("π_ref loaded from cache"),
                    again.out().toString());
            assertTrue(
                    again.out().toString().contains("Offline preference set already on"),
                    again.out().toString());
        }
    }

    /** Issue 16: a port in use was reported after 15 s of start-up and named labeler.http.port. */
    @Test
    void aPortInUseIsReportedBeforeAnythingStartsWithTheUsersFlag() throws Exception {
        Path dataDir = dir.resolve("busy");
        try (var taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            long started = System.nanoTime();
            var result = Cli.run(
                    "up",
                    "--profile",
                    "tiny",
                    "--kafka-port",
                    "0",
                    "--controller-port",
                    "0",
                    "--registry-port",
                    "0",
                    "--http-port",
                    Integer.toString(port),
                    "--metrics-port",
                    "0",
                    "--data-dir",
                    dataDir.toString(),
                    "--cache-dir",
                    TestCache.DIR.toString());
            double seconds = (System.nanoTime() - started) / 1e9;
            assertEquals(PrefstreamCommand.EXIT_USAGE, result.exitCode(), result.out() + result.err());
            assertTrue(result.err().contains("port in use on 127.0.0.1: --http-port " + port + ";"), result.err());
            assertTrue(seconds < 5, "reported after " + seconds + " s");
            assertTrue(!Files.exists(dataDir), "nothing created");
            var controller = Cli.run(
                    "up",
                    "--profile",
                    "tiny",
                    "--kafka-port",
                    "0",
                    "--controller-port",
                    Integer.toString(port),
                    "--registry-port",
                    "0",
                    "--http-port",
                    "0",
                    "--metrics-port",
                    "0",
                    "--data-dir",
                    dataDir.toString(),
                    "--cache-dir",
                    TestCache.DIR.toString());
            assertEquals(PrefstreamCommand.EXIT_USAGE, controller.exitCode(), controller.err());
            assertTrue(
                    controller.err().contains("port in use on 127.0.0.1: --controller-port " + port + ";"),
                    controller.err());
        }
    }

    @Test
    void aBadSetValueStopsUpBeforeAnythingStarts() {
        Path dataDir = dir.resolve("beta");
        var result = Cli.run(
                "up",
                "--profile",
                "tiny",
                "--kafka-port",
                "0",
                "--controller-port",
                "0",
                "--registry-port",
                "0",
                "--http-port",
                "0",
                "--metrics-port",
                "0",
                "--set",
                "trainer.beta=-1",
                "--data-dir",
                dataDir.toString(),
                "--cache-dir",
                TestCache.DIR.toString());
        assertEquals(PrefstreamCommand.EXIT_USAGE, result.exitCode(), result.out() + result.err());
        assertTrue(
                result.err().contains("Invalid value '-1' for trainer.beta (from flag --set trainer.beta=-1)"),
                result.err());
        assertTrue(!Files.exists(dataDir), "nothing created");
    }

    private static List<ConsumerRecord<String, Label>> labels(UpCommand.Endpoints e) {
        return TopicContents.readAll(e.bootstrapServers(), e.schemaRegistryUrl(), Topics.LABELS.name(), Label.class);
    }

    /** Subject → id of its latest version, read over the registry's REST API. */
    private static Map<String, Integer> registrySubjects(String url) throws IOException, InterruptedException {
        var json = new ObjectMapper();
        var out = new TreeMap<String, Integer>();
        for (JsonNode subject : json.readTree(get(URI.create(url + "/subjects")).body())) {
            JsonNode latest = json.readTree(get(URI.create(url + "/subjects/" + subject.asText() + "/versions/latest"))
                    .body());
            out.put(subject.asText(), latest.get("id").asInt());
        }
        return out;
    }

    private static HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(uri)
                                .timeout(Duration.ofSeconds(20))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
