package io.prefstream.platform.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prefstream.platform.config.CommonConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP endpoint every service exposes: {@code GET /metrics} is the Prometheus text format of
 * a {@link PrometheusMeterRegistry}; {@code GET /health} is JSON
 * {@code {"status":"UP"|"DEGRADED"|"DOWN","checks":{name:{"status":..,"detail":..}}}}, the worst
 * check's state: 503 when a check is down, 200 otherwise; each check is also the gauge
 * {@value #HEALTH_GAUGE} (tag {@code check}). Listens on all interfaces so a scraper in another
 * container can reach it.
 */
public final class MetricsServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor;
    private final PrometheusMeterRegistry registry;
    /** Gauge per health check (tag {@code check}): 1 up, 0.5 degraded, 0 down; Prometheus {@code prefstream_health}. */
    public static final String HEALTH_GAUGE = "prefstream.health";

    private final Map<String, HealthCheck> checks = new ConcurrentHashMap<>();

    private MetricsServer(HttpServer server, ExecutorService executor, PrometheusMeterRegistry registry) {
        this.server = server;
        this.executor = executor;
        this.registry = registry;
    }

    /**
     * Starts serving on {@code port} (0 = a free port).
     *
     * @throws UncheckedIOException when the port cannot be bound
     */
    public static MetricsServer start(int port, PrometheusMeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("Expected a port in [0, 65535] (0 = any free port), found " + port);
        }
        HttpServer http;
        try {
            http = HttpServer.create(new InetSocketAddress(port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Cannot serve /metrics on port " + port + ": " + e.getMessage()
                            + " (choose another metrics.port, or 0 to turn the endpoint off)",
                    e);
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            var t = new Thread(r, "prefstream-metrics-http");
            t.setDaemon(true);
            return t;
        });
        var server = new MetricsServer(http, executor, registry);
        http.createContext("/metrics", server::metrics);
        http.createContext("/health", server::health);
        http.setExecutor(executor);
        http.start();
        log.info("Serving /metrics and /health on port {}", server.port());
        return server;
    }

    /** Starts on {@code metrics.port} unless it is 0 (off). */
    public static Optional<MetricsServer> startIfEnabled(CommonConfig config, PrometheusMeterRegistry registry) {
        return config.metricsPort() == 0 ? Optional.empty() : Optional.of(start(config.metricsPort(), registry));
    }

    /** Adds (or replaces) a named check reported by {@code /health}. */
    public MetricsServer addHealthCheck(String name, HealthCheck check) {
        io.micrometer.core.instrument.Gauge.builder(
                        HEALTH_GAUGE, check, c -> evaluate(c).state().gauge())
                .description("Health of a check: 1 up, 0.5 degraded, 0 down")
                .tag("check", name)
                .register(registry);
        checks.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(check, "check"));
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code http://localhost:port}. */
    public URI baseUri() {
        return URI.create("http://localhost:" + port());
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void metrics(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod())) {
                respond(exchange, 405, "text/plain; charset=utf-8", "Only GET is supported\n");
                return;
            }
            respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
        }
    }

    private void health(HttpExchange exchange) throws IOException {
        try (exchange) {
            var results = new LinkedHashMap<String, Map<String, String>>();
            HealthStatus.State overall = HealthStatus.State.UP;
            for (var entry : checks.entrySet()) {
                HealthStatus status = evaluate(entry.getValue());
                overall = overall.worst(status.state());
                results.put(entry.getKey(), Map.of("status", status.state().name(), "detail", status.detail()));
            }
            var body = new LinkedHashMap<String, Object>();
            body.put("status", overall.name());
            body.put("checks", results);
            respond(
                    exchange,
                    overall == HealthStatus.State.DOWN ? 503 : 200,
                    "application/json",
                    JSON.writeValueAsString(body));
        }
    }

    private static HealthStatus evaluate(HealthCheck check) {
        try {
            return check.check();
        } catch (Exception e) {
            return HealthStatus.down("check failed: " + e);
        }
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }
}
