package io.prefstream.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Client behaviour that needs fault injection: retries, failover, auth and caching. */
class RestSchemaRegistryClientTest {
    private ConfluentApiStub stub;

    @BeforeEach
    void start() throws IOException {
        stub = new ConfluentApiStub();
    }

    @AfterEach
    void stop() {
        stub.close();
    }

    private RestSchemaRegistryClient client(String urls, int maxRetries) {
        return RestSchemaRegistryClient.fromConfig(Map.of(
                RegistryClientConfig.URL,
                urls,
                RegistryClientConfig.MAX_RETRIES,
                maxRetries,
                RegistryClientConfig.RETRY_BACKOFF_MS,
                1));
    }

    @Test
    void a503IsRetriedUntilTheRegistryAnswers() {
        var client = client(stub.url(), 3);
        stub.failNext(2, 503);
        int id = client.register("points-value", RegistryContractTest.V1);
        assertEquals(1, id);
        assertEquals(3, stub.requests().size(), "two 503s, then the successful POST");
        assertTrue(stub.requests().stream().allMatch(r -> r.path().equals("/subjects/points-value/versions")));
    }

    @Test
    void retriesAreBoundedAndEndInUnavailable() {
        var client = client(stub.url(), 2);
        stub.failNext(10, 503);
        var error = assertThrows(SchemaRegistryUnavailableException.class, () -> client.latest("points-value"));
        assertEquals(50001, error.errorCode(), "the error_code of the last 503 body");
        assertTrue(error.getMessage().contains("(HTTP 503)"), error.getMessage());
        assertEquals(3, stub.requests().size(), "1 try + 2 retries");
        assertTrue(error.getMessage().contains("after 3 rounds"), error.getMessage());
    }

    @Test
    void a4xxIsNotRetried() {
        var client = client(stub.url(), 3);
        assertThrows(SubjectNotFoundException.class, () -> client.latest("nobody-value"));
        assertEquals(1, stub.requests().size());
    }

    @Test
    void aDeadUrlFailsOverToTheNextOne() throws IOException {
        int deadPort;
        try (var socket = new ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        var client = client("http://127.0.0.1:" + deadPort + "," + stub.url(), 0);
        assertEquals(1, client.register("points-value", RegistryContractTest.V1));
        assertEquals(1, stub.requests().size());
    }

    @Test
    void unreachableRegistryIsUnavailableWithErrorCodeMinusOne() throws IOException {
        int deadPort;
        try (var socket = new ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        var client = client("http://127.0.0.1:" + deadPort, 1);
        var error = assertThrows(SchemaRegistryUnavailableException.class, () -> client.schemaById(1));
        assertEquals(-1, error.errorCode());
    }

    @Test
    void basicAuthUserInfoIsSentOnEveryRequest() {
        var client = RestSchemaRegistryClient.fromConfig(
                Map.of(RegistryClientConfig.URL, stub.url(), RegistryClientConfig.BASIC_AUTH_USER_INFO, "svc:s3cret"));
        client.register("points-value", RegistryContractTest.V1);
        client.versions("points-value");
        var expected = "Basic " + Base64.getEncoder().encodeToString("svc:s3cret".getBytes(StandardCharsets.UTF_8));
        assertEquals(
                List.of(expected, expected),
                stub.requests().stream()
                        .map(ConfluentApiStub.Request::authorization)
                        .toList());
    }

    @Test
    void idsAreCachedBothWays() {
        var client = client(stub.url(), 0);
        int id = client.register("points-value", RegistryContractTest.V1);
        client.register("points-value", RegistryContractTest.V1);
        assertEquals(RegistryContractTest.V1, client.schemaById(id));
        assertEquals(1, stub.requests().size(), "second register and schemaById come from the cache");
        var other = client(stub.url(), 0);
        other.schemaById(id);
        other.schemaById(id);
        assertEquals(2, stub.requests().size());
    }

    @Test
    void configIsValidatedWithTheKeyAndTheValueFound() {
        var noUrl = assertThrows(IllegalArgumentException.class, () -> RegistryClientConfig.from(Map.of()));
        assertEquals(
                "schema.registry.url: expected comma-separated http(s):// URLs, found nothing", noUrl.getMessage());
        var badScheme = assertThrows(
                IllegalArgumentException.class,
                () -> RegistryClientConfig.from(Map.of(RegistryClientConfig.URL, "ftp://x")));
        assertEquals("schema.registry.url: expected http:// or https://, found 'ftp://x'", badScheme.getMessage());
        var badRetries = assertThrows(
                IllegalArgumentException.class,
                () -> RegistryClientConfig.from(
                        Map.of(RegistryClientConfig.URL, "http://x", RegistryClientConfig.MAX_RETRIES, "many")));
        assertEquals("schema.registry.max.retries: expected an integer, found 'many'", badRetries.getMessage());
    }

    @Test
    void backoffDoublesUpToItsCap() {
        var config = RegistryClientConfig.from(Map.of(
                RegistryClientConfig.URL,
                "http://a:1,http://b:2",
                RegistryClientConfig.RETRY_BACKOFF_MS,
                "100",
                RegistryClientConfig.RETRY_BACKOFF_MAX_MS,
                350));
        assertEquals(2, config.urls().size());
        assertEquals(Duration.ofMillis(100), config.backoff(1));
        assertEquals(Duration.ofMillis(200), config.backoff(2));
        assertEquals(Duration.ofMillis(350), config.backoff(3));
        assertEquals(Duration.ofMillis(350), config.backoff(40));
    }
}
