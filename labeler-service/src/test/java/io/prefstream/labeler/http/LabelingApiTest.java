package io.prefstream.labeler.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prefstream.labeler.KafkaTestIO;
import io.prefstream.labeler.LabelerService;
import io.prefstream.labeler.TestData;
import io.prefstream.platform.deadletter.DeadLetter;
import io.prefstream.platform.testing.EmbeddedKafkaExtension;
import io.prefstream.schemas.Label;
import io.prefstream.schemas.LabelCandidate;
import io.prefstream.schemas.LabelKind;
import io.prefstream.schemas.LabelRequest;
import io.prefstream.schemas.Verdict;
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
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The REST API against a running service on an embedded broker (join and machine labelers off). */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LabelingApiTest {

    @RegisterExtension
    static EmbeddedKafkaExtension kafka = EmbeddedKafkaExtension.perClass();

    @TempDir
    static Path dataDir;

    private static final String SCOPE = "api-test";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static LabelerService service;
    private static KafkaTestIO io;

    private static Path tokenFile;

    @BeforeAll
    static void start() throws Exception {
        tokenFile = java.nio.file.Files.writeString(
                dataDir.resolve("labeler-tokens"), "# added at run time\ndave:tok-dave\n");
        var config = TestData.config(Map.ofEntries(
                Map.entry("bootstrap.servers", kafka.bootstrapServers()),
                Map.entry("schema.registry.url", "mock://" + SCOPE),
                Map.entry("data.dir", dataDir.toString()),
                Map.entry("topics.partitions", "1"),
                Map.entry("labeler.machine", "none"),
                Map.entry("join.enabled", "false"),
                Map.entry("labeler.tokens", "alice:tok-alice,bob:tok-bob,carol:tok-carol"),
                Map.entry("labeler.http.token-file", tokenFile.toString()),
                Map.entry("labeler.lease-ms", "1500"),
                Map.entry("labeler.view-lease-ms", "1000"),
                Map.entry("labeler.human.labels-per-step", "4"),
                Map.entry("labeler.http.port", "0"),
                Map.entry("labeler.http.host", "127.0.0.1")));
        service = new LabelerService(config).start();
        io = new KafkaTestIO(kafka.bootstrapServers());
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
        if (io != null) {
            io.close();
        }
    }

    private static HttpResponse<String> call(String method, String path, String token, String body) throws Exception {
        var builder = HttpRequest.newBuilder(service.url().resolve(path)).timeout(Duration.ofSeconds(20));
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            builder.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            builder.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return HTTP.send(builder.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void produceRequest(String requestId, String... texts) {
        var request = new LabelRequest(
                requestId,
                "rollout-" + requestId,
                "arithmetic",
                "7+8=",
                List.of(new LabelCandidate(0, texts[0]), new LabelCandidate(1, texts[1])),
                LabelKind.HUMAN,
                4L,
                System.currentTimeMillis(),
                System.currentTimeMillis() + 600_000);
        io.send(
                Topics.LABEL_REQUESTS.name(),
                request.getRolloutId(),
                new AvroEncoder<LabelRequest>(SchemaRegistries.mockScope(SCOPE))
                        .encode(Topics.LABEL_REQUESTS.name(), request));
    }

    /** GET next for {@code token} until it answers 200 (the feed needs a moment to read the topic). */
    private static JsonObject awaitNext(String token) throws Exception {
        long deadline = System.currentTimeMillis() + 20_000;
        while (System.currentTimeMillis() < deadline) {
            var r = call("GET", "api/v1/requests/next", token, null);
            if (r.statusCode() == 200) {
                return new JsonObject(r.body());
            }
            assertEquals(204, r.statusCode(), r.body());
            Thread.sleep(100);
        }
        throw new AssertionError("no request was offered within 20 s");
    }

    @Test
    @Order(1)
    void withoutAValidBearerTokenEveryApiCallIs401() throws Exception {
        var none = call("GET", "api/v1/requests/next", null, null);
        assertEquals(401, none.statusCode());
        assertEquals(
                "Bearer realm=\"prefstream-labeler\"",
                none.headers().firstValue("WWW-Authenticate").orElseThrow());
        assertEquals(401, new JsonObject(none.body()).getInteger("status"));
        assertTrue(new JsonObject(none.body()).getString("error").startsWith("missing bearer token"));
        assertEquals(
                401, call("GET", "api/v1/requests/next", "tok-mallory", null).statusCode());
        assertEquals(
                401,
                call("POST", "api/v1/labels", "tok-alic", "{\"request_id\":\"x\",\"choice\":\"A\"}")
                        .statusCode());
        assertEquals(401, call("GET", "api/v1/queue", "", null).statusCode());

        var openapi = call("GET", "api/v1/openapi.yaml", null, null);
        assertEquals(200, openapi.statusCode());
        assertTrue(openapi.body().startsWith("openapi: 3.0.3"));
        var health = call("GET", "health", null, null);
        assertEquals(200, health.statusCode(), health.body());
        assertEquals("UP", new JsonObject(health.body()).getString("status"));
        assertEquals(204, call("GET", "api/v1/requests/next", "tok-alice", null).statusCode(), "nothing pending yet");
        assertEquals(404, call("GET", "api/v1/nothing-here", "tok-alice", null).statusCode());
    }

    @Test
    @Order(2)
    void malformedOrOutOfRangeInputIs400AndUnknownRequestsAre404() throws Exception {
        String[] bad = {
            "not json",
            "[1,2]",
            "{\"choice\":\"A\"}",
            "{\"request_id\":42,\"choice\":\"A\"}",
            "{\"request_id\":\"r\",\"choice\":\"C\"}",
            "{\"request_id\":\"r\",\"choice\":\"A\",\"strength\":1.5}",
            "{\"request_id\":\"r\",\"choice\":\"A\",\"strength\":\"high\"}",
            "{\"request_id\":\"r\",\"choice\":\"A\",\"colour\":\"red\"}"
        };
        String[] messages = {
            "expected a JSON object body",
            "expected a JSON object body",
            "request_id: expected a non-empty string, found nothing",
            "request_id: expected a non-empty string, found 42",
            "choice: expected one of A, B, TIE, BOTH_BAD, found 'C'",
            "strength: expected a number in [0, 1], found 1.5",
            "strength: expected a number in [0, 1], found 'high'",
            "unknown field 'colour'"
        };
        for (int i = 0; i < bad.length; i++) {
            var r = call("POST", "api/v1/labels", "tok-alice", bad[i]);
            assertEquals(400, r.statusCode(), bad[i]);
            assertTrue(new JsonObject(r.body()).getString("error").startsWith(messages[i]), r.body());
        }
        var unknown = call("POST", "api/v1/labels", "tok-alice", "{\"request_id\":\"no-such\",\"choice\":\"A\"}");
        assertEquals(404, unknown.statusCode());
        assertTrue(new JsonObject(unknown.body()).getString("error").startsWith("unknown request_id 'no-such'"));
    }

    @Test
    @Order(3)
    void leaseExpiresAndIsReissuedThenLabelsReachKafkaAndSecondLabelsConflict() throws Exception {
        produceRequest("req-1", "15", "16");
        var alice = awaitNext("tok-alice");
        assertEquals("req-1", alice.getString("request_id"));
        assertEquals("7+8=", alice.getString("prompt"));
        var shown = alice.getJsonArray("completions");
        assertEquals(2, shown.size());
        Instant aliceLease = Instant.parse(alice.getString("lease_expires_at"));
        assertEquals(204, call("GET", "api/v1/requests/next", "tok-bob", null).statusCode(), "leased to alice");
        assertEquals(
                aliceLease,
                Instant.parse(awaitNext("tok-alice").getString("lease_expires_at")),
                "alice keeps her lease");

        Thread.sleep(1_600); // labeler.lease-ms=1500
        var bob = awaitNext("tok-bob");
        assertEquals("req-1", bob.getString("request_id"), "reissued to bob after alice's lease expired");
        assertTrue(Instant.parse(bob.getString("lease_expires_at")).isAfter(aliceLease));
        assertTrue(service.status().leaseExpiries() >= 1);

        var queue = new JsonObject(call("GET", "api/v1/queue", "tok-bob", null).body());
        assertEquals(1, queue.getInteger("pending"));
        assertEquals(1, queue.getInteger("available"));

        var posted = call(
                "POST",
                "api/v1/labels",
                "tok-bob",
                "{\"request_id\":\"req-1\",\"choice\":\"B\",\"strength\":0.5,\"rationale\":\"B is right\"}");
        assertEquals(201, posted.statusCode(), posted.body());
        var receipt = new JsonObject(posted.body());
        int a = bob.getJsonArray("completions").getJsonObject(0).getInteger("index");
        int b = bob.getJsonArray("completions").getJsonObject(1).getInteger("index");
        assertEquals(b, receipt.getInteger("chosen_index"), "B as shown to bob");
        assertEquals(a, receipt.getInteger("rejected_index"));

        // Acknowledged before the reply: the label is readable right away.
        var decoder = new AvroDecoder<>(Label.class, SchemaRegistries.mockScope(SCOPE));
        var onTopic = io.await(Topics.LABELS.name(), r -> true, 1, Duration.ofSeconds(5));
        assertEquals(1, onTopic.size());
        Label label = decoder.decode(onTopic.get(0));
        assertEquals("rollout-req-1", new String(onTopic.get(0).key(), UTF_8));
        assertEquals(receipt.getString("label_id"), label.getLabelId());
        assertEquals("req-1", label.getRequestId());
        assertEquals("bob", label.getLabelerId());
        assertEquals(LabelKind.HUMAN, label.getKind());
        assertNull(label.getScores());
        assertEquals(Verdict.PREFERENCE, label.getJudgement().getVerdict());
        assertEquals(b, label.getJudgement().getChosenIndex());
        assertEquals(List.of(a, b), label.getJudgement().getDisplayOrder());
        assertEquals(0.5, label.getJudgement().getStrength());
        assertEquals("B is right", label.getRationale());
        assertTrue(label.getLeadTimeMs() >= 0);

        var twice = call("POST", "api/v1/labels", "tok-bob", "{\"request_id\":\"req-1\",\"choice\":\"A\"}");
        assertEquals(409, twice.statusCode());
        assertEquals("you already labeled request req-1", new JsonObject(twice.body()).getString("error"));
        var late = call("POST", "api/v1/labels", "tok-alice", "{\"request_id\":\"req-1\",\"choice\":\"A\"}");
        assertEquals(409, late.statusCode(), "the request's one vote is in");
        assertEquals(1L, service.status().labels(LabelKind.HUMAN));
        assertEquals(0, service.status().pendingRequests());

        var metrics = call("GET", "metrics", null, null);
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.body().contains("prefstream_labeler_labels_total{kind=\"HUMAN\"} 1.0"), metrics.body());
        assertTrue(metrics.body().contains("prefstream_labeler_queue_depth 0.0"));
        assertTrue(metrics.body().contains("prefstream_labeler_lease_expiries_total"));
        assertTrue(metrics.body().contains("prefstream_labeler_human_labels{labeler=\"bob\"} 1.0"), metrics.body());
        var team = new JsonObject(call("GET", "api/v1/queue", "tok-alice", null).body()).getJsonObject("team");
        assertEquals(1L, team.getLong("labels"));
        assertEquals(new JsonObject().put("bob", 1L), team.getJsonObject("by_labeler"));
        assertEquals(4, team.getInteger("labels_per_step"));
        assertEquals(3L, team.getLong("needed_for_next_step"), "4 per step, 1 labeled");
    }

    @Test
    @Order(4)
    void aViewIsHeldBrieflyTheFirstInteractionForTheLeaseAndTokenFileEditsApplyWithoutARestart() throws Exception {
        assertEquals(200, call("GET", "api/v1/queue", "tok-dave", null).statusCode(), "dave is in the token file");
        produceRequest("req-view", "1", "2");
        var viewed = awaitNext("tok-alice");
        assertEquals("req-view", viewed.getString("request_id"));
        long viewMs = Instant.parse(viewed.getString("lease_expires_at")).toEpochMilli() - System.currentTimeMillis();
        assertTrue(viewMs <= 1_000, "a view holds the request for labeler.view-lease-ms, not " + viewMs + " ms");
        var engaged = call("POST", "api/v1/requests/req-view/lease", "tok-alice", null);
        assertEquals(200, engaged.statusCode(), engaged.body());
        long leaseMs = Instant.parse(new JsonObject(engaged.body()).getString("lease_expires_at"))
                        .toEpochMilli()
                - System.currentTimeMillis();
        assertTrue(leaseMs > 1_000 && leaseMs <= 1_500, "interaction holds it for labeler.lease-ms: " + leaseMs);
        assertEquals(
                409,
                call("POST", "api/v1/requests/req-view/lease", "tok-bob", null).statusCode(),
                "never shown to bob");
        assertEquals(
                201,
                call("POST", "api/v1/labels", "tok-alice", "{\"request_id\":\"req-view\",\"choice\":\"A\"}")
                        .statusCode());
        assertEquals(
                404,
                call("POST", "api/v1/requests/req-view/lease", "tok-alice", null)
                        .statusCode(),
                "labeled");

        java.nio.file.Files.writeString(tokenFile, "erin:tok-erin\n");
        java.nio.file.Files.setLastModifiedTime(
                tokenFile, java.nio.file.attribute.FileTime.from(Instant.now().plusSeconds(5)));
        assertEquals(401, call("GET", "api/v1/queue", "tok-dave", null).statusCode(), "dave revoked");
        assertEquals(200, call("GET", "api/v1/queue", "tok-erin", null).statusCode(), "erin admitted");
        assertEquals(200, call("GET", "api/v1/queue", "tok-alice", null).statusCode(), "labeler.tokens unchanged");
    }

    @Test
    @Order(5)
    void undecodableRequestsAreDeadLetteredAndTheFeedGoesOn() throws Exception {
        io.send(Topics.LABEL_REQUESTS.name(), "junk", "{\"not\":\"avro\"}".getBytes(UTF_8));
        produceRequest("req-2", "a", "b");
        var next = awaitNext("tok-alice");
        assertEquals("req-2", next.getString("request_id"));
        var dead = io.await(Topics.DEAD_LETTERS.name(), r -> true, 1, Duration.ofSeconds(10));
        assertEquals(1, dead.size());
        var letter = DeadLetter.from(dead.get(0));
        assertEquals("undecodable", letter.reason());
        assertEquals(Topics.LABEL_REQUESTS.name(), letter.sourceTopic());
        assertNotEquals(-1L, letter.sourceOffset());
        assertEquals(
                201,
                call("POST", "api/v1/labels", "tok-alice", "{\"request_id\":\"req-2\",\"choice\":\"TIE\"}")
                        .statusCode());
        assertEquals(0, service.status().pendingRequests());
    }

    /**
     * The web UI in headless Chromium: a completion holding a script is shown as text and never runs;
     * clicking "A is better" and pressing "2" write labels that name the completions shown as A and B.
     */
    @Test
    @Order(6)
    void webUiShowsModelTextSafelyAndLabelsReachKafka() throws Exception {
        var browser = HeadlessChromium.startOrSkip(dataDir.resolve("chromium-profile"));
        String script = "<script>window.__pwned=1</script>";
        try (browser) {
            produceRequest("ui-1", script, "<b>16</b> & more");
            produceRequest("ui-2", "first", "second");
            long deadline = System.currentTimeMillis() + 20_000;
            while (service.status().pendingRequests() < 2 && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            var driver = browser.driver();
            driver.get(service.url() + "?token=tok-carol");
            var page = new UiPage(driver);
            page.awaitCompletions();
            assertEquals(-1, driver.getCurrentUrl().indexOf("tok-carol"), "the token leaves the address bar");
            String a = page.completionA();
            String b = page.completionB();
            assertEquals(
                    java.util.Set.of(script, "<b>16</b> & more"),
                    java.util.Set.of(a, b),
                    "model text is shown literally");
            assertEquals(Boolean.TRUE, page.script("return window.__pwned === undefined"), "the script did not run");
            assertEquals(
                    0L, page.script("return document.querySelectorAll('#completion-a *, #completion-b *').length"));
            assertEquals("7+8=", page.prompt());
            page.awaitRemaining("2 left for you");
            page.awaitText("lease", "Held for you until");
            page.click("rationale"); // the first interaction keeps the request for the full lease
            page.awaitText("lease", "Reserved for you until");
            page.click("btn-a");

            page.awaitCompletionA(t -> t.equals("first") || t.equals("second"));
            String secondA = page.completionA();
            page.awaitRemaining("1 left for you");
            page.press("2");
            page.awaitStatus("Nothing to label right now");
            // alice labeled req-1 late and req-view, bob req-1, carol the two here: 5 of the 8 the trainer's
            // first two steps need, so 3 more complete the next step of 4
            page.awaitText(
                    "team",
                    "Team: 5 labels (alice 2, bob 1, carol 2); 3 more for the trainer's next step "
                            + "(it needs 4 per step).");

            var decoder = new AvroDecoder<>(Label.class, SchemaRegistries.mockScope(SCOPE));
            var labels = io
                    .await(
                            Topics.LABELS.name(),
                            r -> decoder.decode(r).getLabelerId().equals("carol"),
                            2,
                            Duration.ofSeconds(10))
                    .stream()
                    .map(decoder::decode)
                    .toList();
            assertEquals(2, labels.size());
            var first = labels.stream()
                    .filter(l -> l.getRequestId().equals("ui-1"))
                    .findFirst()
                    .orElseThrow();
            int shownAsA = a.equals(script) ? 0 : 1;
            assertEquals(Verdict.PREFERENCE, first.getJudgement().getVerdict());
            assertEquals(shownAsA, first.getJudgement().getChosenIndex(), "A is the left completion");
            assertEquals(List.of(shownAsA, 1 - shownAsA), first.getJudgement().getDisplayOrder());
            var second = labels.stream()
                    .filter(l -> l.getRequestId().equals("ui-2"))
                    .findFirst()
                    .orElseThrow();
            int secondShownAsA = secondA.equals("first") ? 0 : 1;
            assertEquals(1 - secondShownAsA, second.getJudgement().getChosenIndex(), "key 2 means B is better");
        }
    }
}
