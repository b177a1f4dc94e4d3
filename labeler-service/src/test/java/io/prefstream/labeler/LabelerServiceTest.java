package io.prefstream.labeler;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prefstream.labeler.join.HumanRouting;
import io.prefstream.labeler.join.LabelAggregation;
import io.prefstream.platform.deadletter.DeadLetter;
import io.prefstream.platform.testing.EmbeddedKafkaExtension;
import io.prefstream.schemas.EmitReason;
import io.prefstream.schemas.IndexPair;
import io.prefstream.schemas.LabelKind;
import io.prefstream.schemas.LabeledRollout;
import io.prefstream.schemas.Rollout;
import io.prefstream.schemas.RolloutIds;
import io.prefstream.schemas.registry.SchemaRegistries;
import io.prefstream.schemas.serde.AvroDecoder;
import io.prefstream.schemas.serde.AvroEncoder;
import io.prefstream.schemas.topics.Topics;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole service on an embedded broker: the rule labeler labels a rollout, the join routes it to
 * humans, a human answers through the REST API, and the join emits the labeled rollout with both
 * the machine and the human pair; bad input on the way is dead-lettered by each stage.
 */
class LabelerServiceTest {

    @RegisterExtension
    static EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.perClass();

    @TempDir
    Path dataDir;

    @Test
    void ruleLabelHumanVoteAndJoinEndToEnd() throws Exception {
        String scope = "service-test";
        var config = TestData.config(Map.ofEntries(
                Map.entry("bootstrap.servers", kafka.bootstrapServers()),
                Map.entry("schema.registry.url", "mock://" + scope),
                Map.entry("data.dir", dataDir.toString()),
                Map.entry("topics.partitions", "2"),
                Map.entry("labeler.machine", "rule"),
                Map.entry("labeler.human.route", "all"),
                Map.entry("join.required-kinds", "RULE"),
                Map.entry("labeler.tokens", "alice:tok-alice"),
                Map.entry("labeler.http.port", "0"),
                Map.entry("labeler.http.host", "127.0.0.1"),
                Map.entry("labeler.batch-linger-ms", "5")));
        var registry = SchemaRegistries.mockScope(scope);
        String rolloutId = RolloutIds.of("p-e2e", 3L, 7L);
        var rollout = TestData.rollout(rolloutId, "2+3=", "5", "6", "15");
        try (var service = new LabelerService(config).start();
                var io = new KafkaTestIO(kafka.bootstrapServers())) {
            io.send(Topics.ROLLOUTS.name(), "p-e2e", "garbage".getBytes(UTF_8));
            io.send(
                    Topics.ROLLOUTS.name(),
                    "p-e2e",
                    new AvroEncoder<Rollout>(registry).encode(Topics.ROLLOUTS.name(), rollout));

            // The join routes the rollout to humans; the API hands the request to alice.
            var http = HttpClient.newHttpClient();
            var next = HttpRequest.newBuilder(service.url().resolve("api/v1/requests/next"))
                    .header("Authorization", "Bearer tok-alice")
                    .build();
            JsonObject leased = null;
            long deadline = System.currentTimeMillis() + 60_000;
            while (leased == null && System.currentTimeMillis() < deadline) {
                var r = http.send(next, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    leased = new JsonObject(r.body());
                } else {
                    Thread.sleep(200);
                }
            }
            assertTrue(leased != null, "a label request reached the API within 60 s");
            assertEquals(HumanRouting.requestId(rolloutId), leased.getString("request_id"));
            assertEquals(rolloutId, leased.getString("rollout_id"));
            int[] pair = HumanRouting.randomPair(rolloutId, 3);
            var shown = leased.getJsonArray("completions");
            assertEquals(
                    Set.of(pair[0], pair[1]),
                    Set.of(
                            shown.getJsonObject(0).getInteger("index"),
                            shown.getJsonObject(1).getInteger("index")));
            // Alice prefers the lower-indexed completion of the pair.
            int preferred = Math.min(pair[0], pair[1]);
            String choice = shown.getJsonObject(0).getInteger("index") == preferred ? "A" : "B";
            var post = http.send(
                    HttpRequest.newBuilder(service.url().resolve("api/v1/labels"))
                            .header("Authorization", "Bearer tok-alice")
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"request_id\":\""
                                    + leased.getString("request_id") + "\",\"choice\":\"" + choice + "\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(201, post.statusCode(), post.body());

            var decoder = new AvroDecoder<>(LabeledRollout.class, registry);
            var emitted = io.await(Topics.PREFERENCES.name(), r -> true, 1, Duration.ofSeconds(60));
            assertEquals(1, emitted.size());
            assertEquals(rolloutId, new String(emitted.get(0).key(), UTF_8));
            var lr = decoder.decode(emitted.get(0));
            assertEquals(EmitReason.POLICY_MET, lr.getEmittedReason());
            assertEquals(2, lr.getLabelCount());
            // Gold rewards of "5", "6", "15" for 2+3=: 1.0, 0.0, 0.5 - 0.1 = 0.4.
            var rule = lr.getSummary().getScores().stream()
                    .filter(s -> s.getKind() == LabelKind.RULE)
                    .findFirst()
                    .orElseThrow();
            assertEquals(1.0, rule.getMeanScores().get(0), 1e-12);
            assertEquals(0.0, rule.getMeanScores().get(1), 1e-12);
            assertEquals(0.4, rule.getMeanScores().get(2), 1e-12);
            assertEquals(
                    List.of(
                            new IndexPair(0, 1, LabelAggregation.BEST_VS_WORST, 1.0),
                            new IndexPair(preferred, Math.max(pair[0], pair[1]), "HUMAN", 1.0)),
                    lr.getPairs());

            var dead = io.await(Topics.DEAD_LETTERS.name(), r -> true, 2, Duration.ofSeconds(30)).stream()
                    .map(DeadLetter::from)
                    .toList();
            assertEquals(
                    Set.of("prefstream-labeler-rule", LabelerConfig.JOIN_APPLICATION_ID),
                    dead.stream().map(DeadLetter::service).collect(Collectors.toSet()),
                    "the rule labeler and the join each dead-letter the garbage rollout");
            dead.forEach(d -> {
                assertEquals("undecodable", d.reason());
                assertEquals(Topics.ROLLOUTS.name(), d.sourceTopic());
                assertEquals("garbage", new String(d.value(), UTF_8));
            });

            var status = service.status();
            assertEquals(1L, status.labels(LabelKind.RULE));
            assertEquals(1L, status.labels(LabelKind.HUMAN));
            assertEquals(1L, status.emittedPreferences());
            assertEquals(0, status.pendingRequests());
            assertEquals("RUNNING", status.joinState());
        }
    }
}
