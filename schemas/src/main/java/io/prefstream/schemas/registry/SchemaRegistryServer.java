package io.prefstream.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves an {@link InMemorySchemaRegistry} over HTTP with the subset of the Confluent Schema
 * Registry REST API that {@link RestSchemaRegistryClient} uses, so separate processes share one
 * registry without a Confluent install. Same content type
 * ({@code application/vnd.schemaregistry.v1+json}), status codes and
 * {@code {"error_code", "message"}} bodies as Confluent:
 *
 * <pre>
 * GET  /subjects                                   ["a-value", ...]
 * POST /subjects/{s}/versions     {"schema": ...}  {"id": n}            409/409, 422/42201
 * POST /subjects/{s}              {"schema": ...}  {subject,version,id,schema}  404/40401, 404/40403
 * GET  /subjects/{s}/versions                      [1, 2]               404/40401
 * GET  /subjects/{s}/versions/{v|latest}           {subject,version,id,schema}  404/40401, 404/40402
 * GET  /schemas/ids/{id}                           {"schema": ...}      404/40403
 * POST /compatibility/subjects/{s}/versions/{v|latest}  {"is_compatible": b}
 * GET  /config, /config/{s}[?defaultToGlobal=true] {"compatibilityLevel": L}  404/40408 for a subject without its own
 * PUT  /config, /config/{s}       {"compatibility": L}  {"compatibility": L}  422/42203
 * </pre>
 *
 * Binds to the loopback interface unless given another address. With a data directory (see
 * {@link #persistent(Path)}) every change is journaled and fsync'd before it is acknowledged.
 */
public final class SchemaRegistryServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SchemaRegistryServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONTENT_TYPE = RestSchemaRegistryClient.CONTENT_TYPE;

    private final InMemorySchemaRegistry registry;
    private final boolean ownsRegistry;
    private HttpServer server;
    private ExecutorService executor;

    /** Serves {@code registry}, which the caller keeps owning (closing the server leaves it open). */
    public SchemaRegistryServer(InMemorySchemaRegistry registry) {
        this(registry, false);
    }

    private SchemaRegistryServer(InMemorySchemaRegistry registry, boolean ownsRegistry) {
        this.registry = registry;
        this.ownsRegistry = ownsRegistry;
    }

    /** A server over a fresh, non-persistent registry. */
    public static SchemaRegistryServer inMemory() {
        return new SchemaRegistryServer(new InMemorySchemaRegistry(), true);
    }

    /** A server over a registry persisted in {@code dataDir} (restored when the journal exists). */
    public static SchemaRegistryServer persistent(Path dataDir) {
        return new SchemaRegistryServer(InMemorySchemaRegistry.persistent(dataDir), true);
    }

    /** Starts listening on the loopback interface; {@code port} 0 picks a free port. */
    public SchemaRegistryServer start(int port) {
        return start(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    }

    /** Starts listening on {@code address}. */
    public synchronized SchemaRegistryServer start(InetSocketAddress address) {
        if (server != null) {
            throw new IllegalStateException("schema registry server already started at " + url());
        }
        try {
            server = HttpServer.create(address, 64);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind schema registry server to " + address, e);
        }
        var threads = new AtomicInteger();
        executor = Executors.newFixedThreadPool(4, r -> {
            var thread = new Thread(r, "schema-registry-http-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        log.info("Schema registry serving at {}", url());
        return this;
    }

    /** Base URL, e.g. {@code http://127.0.0.1:8081}; valid after {@link #start(int)}. */
    public synchronized String url() {
        if (server == null) {
            throw new IllegalStateException("schema registry server not started: call start(port) first");
        }
        var address = server.getAddress();
        var host = address.getAddress().isAnyLocalAddress()
                ? "127.0.0.1"
                : address.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return "http://" + host + ":" + address.getPort();
    }

    public synchronized int port() {
        url();
        return server.getAddress().getPort();
    }

    public InMemorySchemaRegistry registry() {
        return registry;
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            server.stop(0);
            executor.shutdown();
            try {
                executor.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            server = null;
        }
        if (ownsRegistry) {
            registry.close();
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            int status = 200;
            String body;
            try {
                body = route(exchange);
            } catch (HttpError e) {
                status = e.status;
                body = error(e.errorCode, e.getMessage());
            } catch (SchemaRegistryException e) {
                status = statusOf(e);
                body = error(e.errorCode(), e.getMessage());
            } catch (RuntimeException e) {
                log.error(
                        "Schema registry request {} {} failed",
                        exchange.getRequestMethod(),
                        exchange.getRequestURI(),
                        e);
                status = 500;
                body = error(ErrorCodes.STORE_ERROR, "Internal error: " + e);
            }
            var bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
        }
    }

    private String route(HttpExchange exchange) throws IOException {
        var method = exchange.getRequestMethod();
        var segments = segments(exchange.getRequestURI().getRawPath());
        var query = exchange.getRequestURI().getRawQuery();
        int n = segments.size();
        if (n == 0) {
            return "{}";
        }
        switch (segments.get(0)) {
            case "subjects" -> {
                if (n == 1) {
                    requireMethod(method, "GET");
                    return JSON.writeValueAsString(registry.subjects());
                }
                var subject = segments.get(1);
                if (n == 2) {
                    requireMethod(method, "POST");
                    return versionJson(registry.lookup(subject, InMemorySchemaRegistry.parse(schemaText(exchange))));
                }
                if (n == 3 && segments.get(2).equals("versions")) {
                    if (method.equals("POST")) {
                        int id = registry.register(subject, schemaText(exchange));
                        return JSON.createObjectNode().put("id", id).toString();
                    }
                    requireMethod(method, "GET");
                    return JSON.writeValueAsString(registry.versions(subject));
                }
                if (n == 4 && segments.get(2).equals("versions")) {
                    requireMethod(method, "GET");
                    return versionJson(version(subject, segments.get(3)));
                }
            }
            case "schemas" -> {
                if (n == 3 && segments.get(1).equals("ids")) {
                    requireMethod(method, "GET");
                    int id = parseInt(segments.get(2), ErrorCodes.SCHEMA_NOT_FOUND, 404, "schema id");
                    return JSON.createObjectNode()
                            .put("schema", registry.schemaById(id).toString())
                            .toString();
                }
            }
            case "compatibility" -> {
                if (n == 5
                        && segments.get(1).equals("subjects")
                        && segments.get(3).equals("versions")) {
                    requireMethod(method, "POST");
                    return JSON.createObjectNode()
                            .put("is_compatible", compatible(segments.get(2), segments.get(4), schemaText(exchange)))
                            .toString();
                }
            }
            case "config" -> {
                if (n <= 2) {
                    var subject = n == 2 ? segments.get(1) : null;
                    if (method.equals("PUT")) {
                        var level = level(exchange);
                        registry.setCompatibility(subject, level);
                        return JSON.createObjectNode()
                                .put("compatibility", level.name())
                                .toString();
                    }
                    requireMethod(method, "GET");
                    var level = subject == null ? registry.compatibility(null) : registry.subjectCompatibility(subject);
                    if (level == null) {
                        if (query == null || !query.contains("defaultToGlobal=true")) {
                            throw new HttpError(
                                    404,
                                    ErrorCodes.SUBJECT_COMPATIBILITY_NOT_CONFIGURED,
                                    "Subject '" + subject + "' does not have subject-level compatibility configured");
                        }
                        level = registry.compatibility(null);
                    }
                    return JSON.createObjectNode()
                            .put("compatibilityLevel", level.name())
                            .toString();
                }
            }
            default -> {}
        }
        throw new HttpError(
                404,
                404,
                "HTTP 404 Not Found: no route for " + method + " "
                        + exchange.getRequestURI().getRawPath());
    }

    private SchemaVersion version(String subject, String version) {
        if (version.equals("latest") || version.equals("-1")) {
            return registry.latest(subject);
        }
        return registry.version(subject, parseInt(version, ErrorCodes.INVALID_VERSION, 422, "version"));
    }

    private boolean compatible(String subject, String version, String schemaText) {
        var schema = InMemorySchemaRegistry.parse(schemaText);
        if (version.equals("latest") || version.equals("-1")) {
            return registry.isCompatible(subject, schema);
        }
        var against = registry.version(subject, parseInt(version, ErrorCodes.INVALID_VERSION, 422, "version"));
        return registry.compatibility(subject).accepts(schema, List.of(against.schema()));
    }

    private static String versionJson(SchemaVersion version) {
        return JSON.createObjectNode()
                .put("subject", version.subject())
                .put("version", version.version())
                .put("id", version.id())
                .put("schema", version.schema().toString())
                .toString();
    }

    private static String schemaText(HttpExchange exchange) throws IOException {
        var request = body(exchange);
        var type = request.path("schemaType").asText("AVRO");
        if (!type.equals("AVRO")) {
            throw new HttpError(
                    422, ErrorCodes.INVALID_SCHEMA, "Invalid schema: expected schemaType AVRO, found " + type);
        }
        var schema = request.get("schema");
        if (schema == null || !schema.isTextual()) {
            throw new HttpError(
                    422,
                    ErrorCodes.INVALID_SCHEMA,
                    "Invalid schema: expected a request body {\"schema\": \"<Avro schema JSON as a string>\"}, found "
                            + request);
        }
        if (request.hasNonNull("references") && request.get("references").size() > 0) {
            throw new HttpError(422, ErrorCodes.INVALID_SCHEMA, "Invalid schema: schema references are not supported");
        }
        return schema.asText();
    }

    private static CompatibilityLevel level(HttpExchange exchange) throws IOException {
        var value = body(exchange).path("compatibility").asText("");
        try {
            return CompatibilityLevel.parse(value);
        } catch (IllegalArgumentException e) {
            throw new HttpError(
                    422, ErrorCodes.INVALID_COMPATIBILITY_LEVEL, "Invalid compatibility level: " + e.getMessage());
        }
    }

    private static JsonNode body(HttpExchange exchange) throws IOException {
        var text = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        try {
            var node = JSON.readTree(text);
            if (node == null || !node.isObject()) {
                throw new IOException("not a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw new HttpError(400, 400, "Malformed request body: expected a JSON object, found '" + text + "'");
        }
    }

    private static List<String> segments(String rawPath) {
        return java.util.Arrays.stream(rawPath.split("/"))
                .filter(s -> !s.isEmpty())
                .map(s -> URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8))
                .toList();
    }

    private static void requireMethod(String method, String expected) {
        if (!method.equals(expected)) {
            throw new HttpError(405, 405, "HTTP 405 Method Not Allowed: expected " + expected + ", found " + method);
        }
    }

    private static int parseInt(String text, int errorCode, int status, String what) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new HttpError(status, errorCode, "Invalid " + what + ": expected an integer, found '" + text + "'");
        }
    }

    private static int statusOf(SchemaRegistryException e) {
        return switch (e.errorCode()) {
            case ErrorCodes.SUBJECT_NOT_FOUND, ErrorCodes.VERSION_NOT_FOUND, ErrorCodes.SCHEMA_NOT_FOUND -> 404;
            case ErrorCodes.INCOMPATIBLE_SCHEMA -> 409;
            case ErrorCodes.INVALID_SCHEMA, ErrorCodes.INVALID_VERSION, ErrorCodes.INVALID_COMPATIBILITY_LEVEL -> 422;
            default -> 500;
        };
    }

    private static String error(int errorCode, String message) {
        return JSON.createObjectNode()
                .put("error_code", errorCode)
                .put("message", message)
                .toString();
    }

    /** A request error with its HTTP status and Confluent error code. */
    private static final class HttpError extends RuntimeException {
        final int status;
        final int errorCode;

        HttpError(int status, int errorCode, String message) {
            super(message);
            this.status = status;
            this.errorCode = errorCode;
        }
    }
}
