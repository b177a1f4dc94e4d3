package io.prefstream.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemaRegistryServerTest {
    @TempDir
    Path dataDir;

    private static RestSchemaRegistryClient clientFor(SchemaRegistryServer server) {
        return RestSchemaRegistryClient.fromConfig(
                Map.of(RegistryClientConfig.URL, server.url(), RegistryClientConfig.MAX_RETRIES, 0));
    }

    @Test
    void restartWithTheSameDataDirKeepsSubjectsIdsAndConfig() {
        int v1;
        int v2;
        int other;
        try (var server = SchemaRegistryServer.persistent(dataDir).start(0)) {
            var client = clientFor(server);
            v1 = client.register("points-value", RegistryContractTest.V1);
            v2 = client.register("points-value", RegistryContractTest.V2);
            other = client.register("colours-value", RegistryContractTest.OTHER);
            client.setCompatibility("colours-value", CompatibilityLevel.FULL);
            client.setCompatibility(null, CompatibilityLevel.FORWARD);
        }
        try (var server = SchemaRegistryServer.persistent(dataDir).start(0)) {
            var client = clientFor(server);
            assertEquals(List.of("colours-value", "points-value"), client.subjects());
            assertEquals(
                    new SchemaVersion("points-value", 1, v1, RegistryContractTest.V1),
                    client.version("points-value", 1));
            assertEquals(
                    new SchemaVersion("points-value", 2, v2, RegistryContractTest.V2), client.latest("points-value"));
            assertEquals(RegistryContractTest.OTHER, client.schemaById(other));
            assertEquals(CompatibilityLevel.FULL, client.compatibility("colours-value"));
            assertEquals(CompatibilityLevel.FORWARD, client.compatibility(null));
            assertEquals(v2, client.register("points-value", RegistryContractTest.V2), "re-registration keeps the id");
            int fresh = client.register("copies-value", RegistryContractTest.V3_REQUIRED_FIELD);
            assertEquals(Math.max(v2, other) + 1, fresh, "ids are never reused after a restart");
        }
    }

    @Test
    void aTornLastLineIsDroppedAndTheJournalStaysAppendable() throws Exception {
        try (var registry = InMemorySchemaRegistry.persistent(dataDir)) {
            registry.register("points-value", RegistryContractTest.V1);
        }
        var journal = dataDir.resolve(RegistryJournal.FILE_NAME);
        Files.writeString(journal, "{\"op\":\"register\",\"subj", StandardOpenOption.APPEND);
        try (var registry = InMemorySchemaRegistry.persistent(dataDir)) {
            assertEquals(List.of(1), registry.versions("points-value"));
            assertEquals(2, registry.register("points-value", RegistryContractTest.V2));
        }
        try (var registry = InMemorySchemaRegistry.persistent(dataDir)) {
            assertEquals(List.of(1, 2), registry.versions("points-value"));
        }
        assertEquals(2, Files.readAllLines(journal).size());
    }

    @Test
    void aCorruptCompleteLineFailsTheOpenNamingFileAndLine() throws Exception {
        Files.writeString(
                dataDir.resolve(RegistryJournal.FILE_NAME),
                "{\"op\":\"compatibility\",\"level\":\"FULL\"}\nnot json\n");
        var error = assertThrows(IllegalStateException.class, () -> InMemorySchemaRegistry.persistent(dataDir));
        assertTrue(error.getMessage().contains(RegistryJournal.FILE_NAME + " line 2 is corrupt"), error.getMessage());
    }

    @Test
    void unknownRoutesAndSubjectConfigAnswerLikeConfluent() throws Exception {
        try (var server = SchemaRegistryServer.inMemory().start(0)) {
            var http = HttpClient.newHttpClient();
            var noRoute = http.send(
                    HttpRequest.newBuilder(URI.create(server.url() + "/nope")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(404, noRoute.statusCode());
            assertTrue(noRoute.body().startsWith("{\"error_code\":404,"), noRoute.body());

            var noSubjectConfig = http.send(
                    HttpRequest.newBuilder(URI.create(server.url() + "/config/points-value"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(404, noSubjectConfig.statusCode());
            assertTrue(noSubjectConfig.body().startsWith("{\"error_code\":40408,"), noSubjectConfig.body());

            var badLevel = http.send(
                    HttpRequest.newBuilder(URI.create(server.url() + "/config"))
                            .PUT(HttpRequest.BodyPublishers.ofString(
                                    "{\"compatibility\":\"SIDEWAYS\"}", StandardCharsets.UTF_8))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(422, badLevel.statusCode());
            assertTrue(badLevel.body().startsWith("{\"error_code\":42203,"), badLevel.body());
        }
    }

    @Test
    void urlRequiresAStartedServer() {
        var server = SchemaRegistryServer.inMemory();
        var error = assertThrows(IllegalStateException.class, server::url);
        assertEquals("schema registry server not started: call start(port) first", error.getMessage());
        server.close();
    }
}
