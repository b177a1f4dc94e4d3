package io.prefstream.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Schema Registry REST contract as {@link RestSchemaRegistryClient} relies on it. Runs against
 * the test's {@link ConfluentApiStub} and against {@link SchemaRegistryServer}; a test passing for
 * one and failing for the other is drift between our server and the Confluent API.
 */
abstract class RegistryContractTest {
    static final Schema V1 = new Schema.Parser()
            .parse(
                    "{\"type\":\"record\",\"name\":\"Point\",\"namespace\":\"t\",\"fields\":[{\"name\":\"x\",\"type\":\"int\"}]}");
    static final Schema V2 = new Schema.Parser()
            .parse(
                    "{\"type\":\"record\",\"name\":\"Point\",\"namespace\":\"t\",\"fields\":[{\"name\":\"x\",\"type\":\"int\"},"
                            + "{\"name\":\"y\",\"type\":\"int\",\"default\":0}]}");
    /** Adds a field without a default: not BACKWARD compatible with V1 or V2. */
    static final Schema V3_REQUIRED_FIELD = new Schema.Parser()
            .parse(
                    "{\"type\":\"record\",\"name\":\"Point\",\"namespace\":\"t\",\"fields\":[{\"name\":\"x\",\"type\":\"int\"},"
                            + "{\"name\":\"z\",\"type\":\"int\"}]}");

    static final Schema OTHER =
            new Schema.Parser().parse("{\"type\":\"enum\",\"name\":\"Colour\",\"symbols\":[\"RED\"]}");

    protected RestSchemaRegistryClient client;
    private String url;

    /** Starts a fresh, empty registry and returns its base URL. */
    protected abstract String startRegistry() throws Exception;

    protected abstract void stopRegistry() throws Exception;

    @BeforeEach
    void start() throws Exception {
        url = startRegistry();
        client = newClient();
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        stopRegistry();
    }

    protected RestSchemaRegistryClient newClient() {
        return RestSchemaRegistryClient.fromConfig(Map.of(
                RegistryClientConfig.URL,
                url,
                RegistryClientConfig.MAX_RETRIES,
                2,
                RegistryClientConfig.RETRY_BACKOFF_MS,
                1));
    }

    protected String url() {
        return url;
    }

    @Test
    void idsAreGlobalAndRegistrationIsIdempotent() {
        int first = client.register("points-value", V1);
        assertEquals(first, client.register("points-value", V1));
        assertEquals(first, newClient().register("points-value", V1), "uncached client gets the same id");
        assertEquals(first, client.register("copies-value", V1), "same schema under another subject, same id");
        int second = client.register("points-value", V2);
        assertNotEquals(first, second);

        assertEquals(List.of(1, 2), client.versions("points-value"));
        assertEquals(List.of(1), client.versions("copies-value"));
        assertEquals(List.of("copies-value", "points-value"), client.subjects());
        assertEquals(new SchemaVersion("points-value", 2, second, V2), client.latest("points-value"));
        assertEquals(new SchemaVersion("points-value", 1, first, V1), client.version("points-value", 1));
    }

    @Test
    void schemaByIdReturnsTheRegisteredSchema() {
        int id = client.register("points-value", V2);
        var fresh = newClient();
        assertEquals(V2, fresh.schemaById(id));
        assertEquals(V2.toString(), fresh.schemaById(id).toString());
    }

    @Test
    void lookupFindsARegisteredSchemaWithoutRegistering() {
        client.register("points-value", V1);
        int id = client.register("points-value", V2);
        assertEquals(new SchemaVersion("points-value", 2, id, V2), newClient().lookup("points-value", V2));
        var missing = assertThrows(SchemaNotFoundException.class, () -> client.lookup("points-value", OTHER));
        assertEquals(40403, missing.errorCode());
        assertThrows(SubjectNotFoundException.class, () -> client.lookup("nobody-value", V1));
        assertEquals(List.of(1, 2), client.versions("points-value"));
    }

    @Test
    void unknownSubjectVersionAndIdAreTypedNotFoundErrors() {
        client.register("points-value", V1);
        assertEquals(
                40401,
                assertThrows(SubjectNotFoundException.class, () -> client.latest("nobody-value"))
                        .errorCode());
        assertThrows(SubjectNotFoundException.class, () -> client.versions("nobody-value"));
        assertEquals(
                40402,
                assertThrows(VersionNotFoundException.class, () -> client.version("points-value", 7))
                        .errorCode());
        assertEquals(
                40403,
                assertThrows(SchemaNotFoundException.class, () -> client.schemaById(9999))
                        .errorCode());
    }

    @Test
    void incompatibleSchemaIsRejectedWith409AndAddsNoVersion() {
        client.register("points-value", V1);
        assertTrue(client.isCompatible("points-value", V2));
        assertFalse(client.isCompatible("points-value", V3_REQUIRED_FIELD));
        var error = assertThrows(
                IncompatibleSchemaException.class, () -> client.register("points-value", V3_REQUIRED_FIELD));
        assertEquals(409, error.errorCode());
        assertEquals(List.of(1), client.versions("points-value"));
    }

    @Test
    void anySchemaIsCompatibleWithAnEmptySubject() {
        assertTrue(client.isCompatible("fresh-value", V3_REQUIRED_FIELD));
    }

    @Test
    void unparsableSchemaIsInvalidWith422() throws Exception {
        var error = assertThrows(
                InvalidSchemaException.class, () -> client.register("points-value", "{\"type\":\"recrod\"}"));
        assertEquals(42201, error.errorCode());

        var raw = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(url + "/subjects/points-value/versions"))
                                .header("Content-Type", RestSchemaRegistryClient.CONTENT_TYPE)
                                .POST(HttpRequest.BodyPublishers.ofString("{\"schema\":\"not json\"}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(422, raw.statusCode());
        assertEquals(
                RestSchemaRegistryClient.CONTENT_TYPE,
                raw.headers().firstValue("Content-Type").orElseThrow());
        var body = new ObjectMapper().readTree(raw.body());
        assertEquals(42201, body.get("error_code").asInt());
        assertTrue(body.get("message").isTextual());
    }

    @Test
    void compatibilityLevelsAreGlobalWithPerSubjectOverrides() {
        assertEquals(CompatibilityLevel.BACKWARD, client.compatibility(null));
        assertEquals(CompatibilityLevel.BACKWARD, client.compatibility("points-value"));

        client.setCompatibility("points-value", CompatibilityLevel.NONE);
        assertEquals(CompatibilityLevel.NONE, client.compatibility("points-value"));
        assertEquals(CompatibilityLevel.BACKWARD, client.compatibility(null));
        client.register("points-value", V1);
        client.register("points-value", V3_REQUIRED_FIELD);
        assertEquals(List.of(1, 2), client.versions("points-value"));

        client.setCompatibility(null, CompatibilityLevel.FULL);
        assertEquals(CompatibilityLevel.FULL, client.compatibility("other-value"));
        assertEquals(CompatibilityLevel.NONE, client.compatibility("points-value"));
    }

    @Test
    void forwardLevelRejectsRemovingAFieldOldReadersNeed() {
        client.setCompatibility("points-value", CompatibilityLevel.FORWARD);
        client.register("points-value", V2);
        var removed = new Schema.Parser()
                .parse(
                        "{\"type\":\"record\",\"name\":\"Point\",\"namespace\":\"t\",\"fields\":[{\"name\":\"y\",\"type\":\"int\",\"default\":0}]}");
        assertFalse(client.isCompatible("points-value", removed));
        assertThrows(IncompatibleSchemaException.class, () -> client.register("points-value", removed));
        assertTrue(client.isCompatible("points-value", V3_REQUIRED_FIELD), "old readers ignore the extra field z");
    }

    @Test
    void subjectNamesArePercentEncoded() {
        int id = client.register("team a/points+value", V1);
        assertEquals(List.of("team a/points+value"), client.subjects());
        assertEquals(id, client.latest("team a/points+value").id());
    }
}
