package io.prefstream.platform.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class MetricsServerTest {

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(MetricsServer server, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(server.baseUri().resolve(path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void metricsEndpointServesPrometheusText() throws Exception {
        var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Counter.builder("prefstream.test.records")
                .tag("service", "unit")
                .register(registry)
                .increment(3);
        try (var server = MetricsServer.start(0, registry)) {
            var response = get(server, "/metrics");
            assertEquals(200, response.statusCode());
            assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
            assertTrue(
                    response.body().contains("prefstream_test_records_total{service=\"unit\"} 3.0"), response.body());
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void healthIs200WhenAllChecksPassAnd503OtherwiseWithDetails() throws Exception {
        var kafkaUp = new AtomicBoolean(true);
        try (var server = MetricsServer.start(0, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))) {
            server.addHealthCheck(
                    "kafka", () -> kafkaUp.get() ? HealthStatus.up("connected") : HealthStatus.down("no broker"));
            server.addHealthCheck("model", () -> HealthStatus.up("v3"));

            var ok = get(server, "/health");
            assertEquals(200, ok.statusCode());
            assertEquals(
                    Map.of(
                            "status",
                            "UP",
                            "checks",
                            Map.of(
                                    "kafka", Map.of("status", "UP", "detail", "connected"),
                                    "model", Map.of("status", "UP", "detail", "v3"))),
                    new ObjectMapper().readValue(ok.body(), Map.class));

            kafkaUp.set(false);
            var down = get(server, "/health");
            assertEquals(503, down.statusCode());
            Map<String, Object> body = new ObjectMapper().readValue(down.body(), Map.class);
            assertEquals("DOWN", body.get("status"));
            assertEquals(
                    Map.of("status", "DOWN", "detail", "no broker"),
                    ((Map<String, Object>) body.get("checks")).get("kafka"));

            server.addHealthCheck("broken", () -> {
                throw new IllegalStateException("boom");
            });
            kafkaUp.set(true);
            var thrown = get(server, "/health");
            assertEquals(503, thrown.statusCode());
            assertTrue(thrown.body().contains("check failed: java.lang.IllegalStateException: boom"), thrown.body());
        }
    }

    @Test
    void aDegradedCheckMakesHealthDegradedBut200AndEveryCheckIsAGauge() throws Exception {
        var registry = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        try (var server = MetricsServer.start(0, registry)) {
            server.addHealthCheck("kafka", () -> HealthStatus.degraded("broker unreachable at k:9092"));
            server.addHealthCheck("loop", () -> HealthStatus.up("consuming"));
            var response = get(server, "/health");
            assertEquals(200, response.statusCode(), "degraded still works: no restart");
            assertTrue(response.body().startsWith("{\"status\":\"DEGRADED\""), response.body());
            assertTrue(response.body().contains("broker unreachable at k:9092"), response.body());
            assertEquals(
                    0.5,
                    registry.get(MetricsServer.HEALTH_GAUGE)
                            .tag("check", "kafka")
                            .gauge()
                            .value());
            assertEquals(
                    1.0,
                    registry.get(MetricsServer.HEALTH_GAUGE)
                            .tag("check", "loop")
                            .gauge()
                            .value());
            server.addHealthCheck("join", () -> HealthStatus.down("label join ERROR for 3 s"));
            assertEquals(503, get(server, "/health").statusCode(), "down beats degraded");
            assertEquals(
                    0.0,
                    registry.get(MetricsServer.HEALTH_GAUGE)
                            .tag("check", "join")
                            .gauge()
                            .value());
            assertTrue(get(server, "/metrics").body().contains("prefstream_health{check=\"kafka\"} 0.5"));
        }
    }

    @Test
    void healthWithoutChecksIsUp() throws Exception {
        try (var server = MetricsServer.start(0, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))) {
            var response = get(server, "/health");
            assertEquals(200, response.statusCode());
            assertEquals("{\"status\":\"UP\",\"checks\":{}}", response.body());
        }
    }
}
