package io.prefstream.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SchemaRegistryClient} over the Confluent Schema Registry REST API
 * ({@code application/vnd.schemaregistry.v1+json}), using only its documented endpoints so it
 * also works with Apicurio's ccompat API and Redpanda.
 *
 * <p>Rule: a 5xx answer or a connection failure moves on to the next URL; when every URL failed,
 * the round is retried after an exponential backoff, at most {@code maxRetries} times, then
 * {@link SchemaRegistryUnavailableException} is thrown. A 4xx answer is final and maps to the typed
 * exception of its error code. Ids are cached both ways (subject + schema → id, id → schema); they
 * never change once assigned.
 */
public final class RestSchemaRegistryClient implements SchemaRegistryClient {
    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final String ACCEPT =
            CONTENT_TYPE + ", application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";
    private static final Logger log = LoggerFactory.getLogger(RestSchemaRegistryClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RegistryClientConfig config;
    private final HttpClient http;
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Integer>> idsBySubject = new ConcurrentHashMap<>();

    public RestSchemaRegistryClient(RegistryClientConfig config) {
        this.config = config;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.requestTimeout())
                .build();
    }

    /** A client for the keys documented on {@link RegistryClientConfig}. */
    public static RestSchemaRegistryClient fromConfig(Map<String, ?> config) {
        return new RestSchemaRegistryClient(RegistryClientConfig.from(config));
    }

    public RegistryClientConfig config() {
        return config;
    }

    @Override
    public int register(String subject, Schema schema) {
        var text = schema.toString();
        var cached = idsBySubject.getOrDefault(subject, Map.of()).get(text);
        if (cached != null) {
            return cached;
        }
        int id = register(subject, text);
        schemasById.putIfAbsent(id, schema);
        return id;
    }

    /**
     * Registers schema text exactly as given (e.g. read from an {@code .avsc} file), letting the
     * registry validate it: text it cannot parse raises {@link InvalidSchemaException}.
     */
    public int register(String subject, String schemaText) {
        var cached = idsBySubject.getOrDefault(subject, Map.of()).get(schemaText);
        if (cached != null) {
            return cached;
        }
        var response = send("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schemaText));
        int id = requiredField(response, "id", "POST /subjects/" + subject + "/versions")
                .asInt();
        cacheId(subject, schemaText, id);
        log.debug("Registered schema id {} under subject {}", id, subject);
        return id;
    }

    @Override
    public SchemaVersion lookup(String subject, Schema schema) {
        var text = schema.toString();
        var response = send("POST", "/subjects/" + encode(subject), schemaBody(text));
        var version = versionOf(subject, response, "POST /subjects/" + subject);
        cacheId(subject, text, version.id());
        return version;
    }

    @Override
    public Schema schemaById(int id) {
        var cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        var response = send("GET", "/schemas/ids/" + id, null);
        var schema = InMemorySchemaRegistry.parse(
                requiredField(response, "schema", "GET /schemas/ids/" + id).asText());
        var previous = schemasById.putIfAbsent(id, schema);
        return previous != null ? previous : schema;
    }

    @Override
    public SchemaVersion latest(String subject) {
        return versionOf(
                subject,
                send("GET", "/subjects/" + encode(subject) + "/versions/latest", null),
                "GET /subjects/" + subject + "/versions/latest");
    }

    @Override
    public SchemaVersion version(String subject, int version) {
        return versionOf(
                subject,
                send("GET", "/subjects/" + encode(subject) + "/versions/" + version, null),
                "GET /subjects/" + subject + "/versions/" + version);
    }

    @Override
    public List<Integer> versions(String subject) {
        var response = send("GET", "/subjects/" + encode(subject) + "/versions", null);
        requireArray(response, "GET /subjects/" + subject + "/versions");
        var versions = new ArrayList<Integer>();
        response.forEach(node -> versions.add(node.asInt()));
        return List.copyOf(versions);
    }

    @Override
    public List<String> subjects() {
        var response = send("GET", "/subjects", null);
        requireArray(response, "GET /subjects");
        var subjects = new ArrayList<String>();
        response.forEach(node -> subjects.add(node.asText()));
        subjects.sort(null);
        return List.copyOf(subjects);
    }

    @Override
    public boolean isCompatible(String subject, Schema schema) {
        try {
            var response = send(
                    "POST",
                    "/compatibility/subjects/" + encode(subject) + "/versions/latest",
                    schemaBody(schema.toString()));
            return requiredField(
                            response, "is_compatible", "POST /compatibility/subjects/" + subject + "/versions/latest")
                    .asBoolean();
        } catch (SubjectNotFoundException | VersionNotFoundException e) {
            return true; // nothing registered yet: any schema is compatible
        }
    }

    @Override
    public CompatibilityLevel compatibility(String subjectOrNull) {
        if (subjectOrNull != null) {
            try {
                return levelOf(send("GET", "/config/" + encode(subjectOrNull) + "?defaultToGlobal=true", null));
            } catch (SubjectNotFoundException e) {
                return compatibility(null);
            } catch (SchemaRegistryException e) {
                if (e.errorCode() != ErrorCodes.SUBJECT_COMPATIBILITY_NOT_CONFIGURED) {
                    throw e;
                }
                return compatibility(null);
            }
        }
        return levelOf(send("GET", "/config", null));
    }

    @Override
    public void setCompatibility(String subjectOrNull, CompatibilityLevel level) {
        var body = JSON.createObjectNode().put("compatibility", level.name()).toString();
        send("PUT", subjectOrNull == null ? "/config" : "/config/" + encode(subjectOrNull), body);
    }

    @Override
    public void close() {
        // java.net.http.HttpClient on Java 17 has no close(); its threads end when it is unreachable.
    }

    private JsonNode send(String method, String pathAndQuery, String body) {
        SchemaRegistryException lastFailure = null;
        for (int round = 0; round <= config.maxRetries(); round++) {
            if (round > 0) {
                sleep(config.backoff(round));
            }
            for (var base : config.urls()) {
                var request = request(base, method, pathAndQuery, body);
                try {
                    var response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                    int status = response.statusCode();
                    if (status >= 200 && status < 300) {
                        return parseBody(response.body(), method + " " + pathAndQuery);
                    }
                    var error = errorOf(status, response.body());
                    if (status < 500) {
                        throw error;
                    }
                    lastFailure = error;
                    log.warn(
                            "Schema registry {} answered {} to {} {} (round {} of {}): {}",
                            base,
                            status,
                            method,
                            pathAndQuery,
                            round + 1,
                            config.maxRetries() + 1,
                            error.getMessage());
                } catch (IOException e) {
                    lastFailure = new SchemaRegistryException(-1, "cannot reach " + base + ": " + e, e);
                    log.warn(
                            "Schema registry {} unreachable for {} {} (round {} of {}): {}",
                            base,
                            method,
                            pathAndQuery,
                            round + 1,
                            config.maxRetries() + 1,
                            e.toString());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SchemaRegistryUnavailableException(
                            -1, "interrupted during " + method + " " + pathAndQuery, e);
                }
            }
        }
        throw new SchemaRegistryUnavailableException(
                lastFailure.errorCode(),
                "schema registry " + config.urls()
                        + " unavailable for " + method + " " + pathAndQuery + " after " + (config.maxRetries() + 1)
                        + " rounds; last failure: " + lastFailure.getMessage() + "; check that the registry is running",
                lastFailure);
    }

    private HttpRequest request(URI base, String method, String pathAndQuery, String body) {
        var root = base.toString().endsWith("/")
                ? base.toString().substring(0, base.toString().length() - 1)
                : base.toString();
        var userInfo = config.basicAuthUserInfo() != null ? config.basicAuthUserInfo() : base.getRawUserInfo();
        if (base.getRawUserInfo() != null) {
            root = root.replace(base.getRawUserInfo() + "@", "");
        }
        var builder = HttpRequest.newBuilder(URI.create(root + pathAndQuery))
                .timeout(config.requestTimeout())
                .header("Accept", ACCEPT)
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (body != null) {
            builder.header("Content-Type", CONTENT_TYPE);
        }
        if (userInfo != null) {
            builder.header(
                    "Authorization",
                    "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8)));
        }
        return builder.build();
    }

    private static SchemaRegistryException errorOf(int status, String body) {
        int errorCode = -1;
        var message = body;
        try {
            var node = JSON.readTree(body);
            if (node != null && node.isObject()) {
                errorCode = node.path("error_code").asInt(-1);
                message = node.path("message").asText(body);
            }
        } catch (IOException e) {
            // not JSON (e.g. a proxy's HTML page): keep the raw body as the message
        }
        return SchemaRegistryException.of(status, errorCode, message);
    }

    private static JsonNode parseBody(String body, String what) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new SchemaRegistryException(-1, what + ": expected a JSON response, found '" + body + "'", e);
        }
    }

    private SchemaVersion versionOf(String subject, JsonNode response, String what) {
        var text = requiredField(response, "schema", what).asText();
        int id = requiredField(response, "id", what).asInt();
        var schema = schemasById.computeIfAbsent(id, i -> InMemorySchemaRegistry.parse(text));
        cacheId(subject, text, id);
        return new SchemaVersion(
                response.path("subject").asText(subject),
                requiredField(response, "version", what).asInt(),
                id,
                schema);
    }

    private static CompatibilityLevel levelOf(JsonNode response) {
        // Confluent answers GET /config with "compatibilityLevel"; some servers echo "compatibility".
        var level = response.hasNonNull("compatibilityLevel")
                ? response.get("compatibilityLevel")
                : requiredField(response, "compatibility", "GET /config");
        return CompatibilityLevel.parse(level.asText());
    }

    private void cacheId(String subject, String schemaText, int id) {
        idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>()).put(schemaText, id);
    }

    private static JsonNode requiredField(JsonNode response, String field, String what) {
        var value = response == null ? null : response.get(field);
        if (value == null || value.isNull()) {
            throw new SchemaRegistryException(
                    -1, what + ": expected a JSON object with field '" + field + "', found " + response);
        }
        return value;
    }

    private static void requireArray(JsonNode response, String what) {
        if (response == null || !response.isArray()) {
            throw new SchemaRegistryException(-1, what + ": expected a JSON array, found " + response);
        }
    }

    private static String schemaBody(String schemaText) {
        return JSON.createObjectNode().put("schema", schemaText).toString();
    }

    static String encode(String subject) {
        if (subject == null || subject.isBlank()) {
            throw new IllegalArgumentException(
                    "subject: expected a non-blank name such as '<topic>-value', found '" + subject + "'");
        }
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static void sleep(java.time.Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryUnavailableException(-1, "interrupted while backing off", e);
        }
    }
}
