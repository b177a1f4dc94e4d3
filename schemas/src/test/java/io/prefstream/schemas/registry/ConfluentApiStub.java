package io.prefstream.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/**
 * A deliberately independent, minimal imitation of a Confluent Schema Registry written from its
 * API documentation (not from {@link SchemaRegistryServer}), so contract tests run against both
 * reveal drift. It answers like Confluent 5.x for a compatibility check on an unknown subject
 * (404/40401), which clients must tolerate. Faults can be injected: {@link #failNext(int, int)}.
 */
final class ConfluentApiStub implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Request(String method, String path, String authorization) {}

    private final HttpServer server;
    private final Map<Integer, String> schemasById = new HashMap<>();
    private final Map<String, List<Integer>> subjects = new TreeMap<>();
    private final Map<String, String> config = new HashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private volatile int failureStatus;
    private String globalLevel = "BACKWARD";

    ConfluentApiStub() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The next {@code count} requests get {@code status} with a Confluent-style error body. */
    void failNext(int count, int status) {
        failureStatus = status;
        failuresLeft.set(count);
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private synchronized void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            var path = exchange.getRequestURI().getRawPath();
            requests.add(new Request(
                    exchange.getRequestMethod(),
                    path,
                    exchange.getRequestHeaders().getFirst("Authorization")));
            var body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            int status = 200;
            String response;
            if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                status = failureStatus;
                response = error(50001, "injected failure");
            } else {
                try {
                    response = dispatch(
                            exchange.getRequestMethod(),
                            path,
                            exchange.getRequestURI().getRawQuery(),
                            body);
                } catch (StubError e) {
                    status = e.status;
                    response = error(e.code, e.getMessage());
                }
            }
            var bytes = response.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
        }
    }

    private String dispatch(String method, String rawPath, String query, String body) throws IOException {
        var p = new ArrayList<String>();
        var raw = new ArrayList<String>();
        for (var part : rawPath.split("/")) {
            if (!part.isEmpty()) {
                raw.add(part);
                p.add(URLDecoder.decode(part, StandardCharsets.UTF_8));
            }
        }
        // Route on the raw (still percent-encoded) segments, so a subject containing '/' stays one segment.
        var route = method + " "
                + String.join(
                        "/", raw.stream().map(s -> s.matches("\\d+") ? "N" : s).toList());
        if (route.startsWith("GET subjects/") && route.endsWith("/versions/latest")) {
            route = "GET subjects/S/versions/latest";
        } else if (route.matches("(GET|POST) subjects/.+")) {
            route = route.replaceFirst("subjects/[^/]+", "subjects/S");
        } else if (route.matches("POST compatibility/subjects/.+")) {
            route = route.replaceFirst("subjects/[^/]+", "subjects/S");
        } else if (route.matches("(GET|PUT) config/.+")) {
            route = route.replaceFirst("config/.+", "config/S");
        }
        return switch (route) {
            case "GET subjects" -> JSON.writeValueAsString(subjects.keySet());
            case "POST subjects/S/versions" -> register(p.get(1), schemaOf(body));
            case "POST subjects/S" -> lookup(p.get(1), schemaOf(body));
            case "GET subjects/S/versions" -> JSON.writeValueAsString(versionsOf(p.get(1)));
            case "GET subjects/S/versions/latest" ->
                versionJson(p.get(1), versionsOf(p.get(1)).size());
            case "GET subjects/S/versions/N" -> versionJson(p.get(1), Integer.parseInt(p.get(3)));
            case "GET schemas/ids/N" -> {
                var schema = schemasById.get(Integer.parseInt(p.get(2)));
                if (schema == null) {
                    throw new StubError(404, 40403, "Schema " + p.get(2) + " not found");
                }
                yield JSON.createObjectNode().put("schema", schema).toString();
            }
            case "POST compatibility/subjects/S/versions/latest" -> {
                var versions = versionsOf(p.get(2));
                var latest = new Schema.Parser().parse(schemasById.get(versions.get(versions.size() - 1)));
                yield JSON.createObjectNode()
                        .put("is_compatible", compatible(levelOf(p.get(2)), parse(schemaOf(body)), latest))
                        .toString();
            }
            case "GET config" ->
                JSON.createObjectNode().put("compatibilityLevel", globalLevel).toString();
            case "GET config/S" -> {
                var level = config.get(p.get(1));
                if (level == null && query != null && query.contains("defaultToGlobal=true")) {
                    level = globalLevel;
                }
                if (level == null) {
                    throw new StubError(
                            404,
                            40408,
                            "Subject '" + p.get(1) + "' does not have subject-level compatibility configured");
                }
                yield JSON.createObjectNode().put("compatibilityLevel", level).toString();
            }
            case "PUT config", "PUT config/S" -> {
                var level = JSON.readTree(body).path("compatibility").asText();
                if (!List.of("NONE", "BACKWARD", "FORWARD", "FULL").contains(level)) {
                    throw new StubError(422, 42203, "Invalid compatibility level " + level);
                }
                if (p.size() == 1) {
                    globalLevel = level;
                } else {
                    config.put(p.get(1), level);
                }
                yield JSON.createObjectNode().put("compatibility", level).toString();
            }
            default -> throw new StubError(404, 404, "HTTP 404 Not Found");
        };
    }

    private String register(String subject, String schemaText) {
        var schema = parse(schemaText);
        var canonical = schema.toString();
        var versions = subjects.getOrDefault(subject, List.of());
        for (int id : versions) {
            if (schemasById.get(id).equals(canonical)) {
                return JSON.createObjectNode().put("id", id).toString();
            }
        }
        if (!versions.isEmpty()) {
            var latest = new Schema.Parser().parse(schemasById.get(versions.get(versions.size() - 1)));
            if (!compatible(levelOf(subject), schema, latest)) {
                throw new StubError(
                        409,
                        409,
                        "Schema being registered is incompatible with an earlier schema for subject \"" + subject
                                + "\"");
            }
        }
        int id = schemasById.entrySet().stream()
                .filter(e -> e.getValue().equals(canonical))
                .mapToInt(Map.Entry::getKey)
                .findFirst()
                .orElse(schemasById.size() + 1);
        schemasById.put(id, canonical);
        subjects.computeIfAbsent(subject, s -> new ArrayList<>()).add(id);
        return JSON.createObjectNode().put("id", id).toString();
    }

    private String lookup(String subject, String schemaText) {
        var canonical = parse(schemaText).toString();
        var versions = versionsOf(subject);
        for (int i = 0; i < versions.size(); i++) {
            if (schemasById.get(versions.get(i)).equals(canonical)) {
                return versionJson(subject, i + 1);
            }
        }
        throw new StubError(404, 40403, "Schema not found");
    }

    private List<Integer> versionsOf(String subject) {
        var ids = subjects.get(subject);
        if (ids == null) {
            throw new StubError(404, 40401, "Subject '" + subject + "' not found.");
        }
        var versions = new ArrayList<Integer>();
        for (int i = 1; i <= ids.size(); i++) {
            versions.add(i);
        }
        return versions;
    }

    private String versionJson(String subject, int version) {
        var ids = subjects.get(subject);
        if (ids == null) {
            throw new StubError(404, 40401, "Subject '" + subject + "' not found.");
        }
        if (version < 1 || version > ids.size()) {
            throw new StubError(404, 40402, "Version " + version + " not found.");
        }
        int id = ids.get(version - 1);
        return JSON.createObjectNode()
                .put("subject", subject)
                .put("version", version)
                .put("id", id)
                .put("schema", schemasById.get(id))
                .toString();
    }

    private String levelOf(String subject) {
        return config.getOrDefault(subject, globalLevel);
    }

    private static boolean compatible(String level, Schema candidate, Schema latest) {
        boolean backward = SchemaCompatibility.checkReaderWriterCompatibility(candidate, latest)
                        .getType()
                == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE;
        boolean forward = SchemaCompatibility.checkReaderWriterCompatibility(latest, candidate)
                        .getType()
                == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE;
        return switch (level) {
            case "NONE" -> true;
            case "BACKWARD" -> backward;
            case "FORWARD" -> forward;
            default -> backward && forward;
        };
    }

    private static String schemaOf(String body) throws IOException {
        JsonNode node = JSON.readTree(body);
        return node.path("schema").asText();
    }

    private static Schema parse(String text) {
        try {
            return new Schema.Parser().parse(text);
        } catch (RuntimeException e) {
            throw new StubError(422, 42201, "Either the input schema or one its references is invalid");
        }
    }

    private static String error(int code, String message) {
        return JSON.createObjectNode()
                .put("error_code", code)
                .put("message", message)
                .toString();
    }

    private static final class StubError extends RuntimeException {
        final int status;
        final int code;

        StubError(int status, int code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }
    }
}
