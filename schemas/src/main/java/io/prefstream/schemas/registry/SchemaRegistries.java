package io.prefstream.schemas.registry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Picks a {@link SchemaRegistryClient} for a {@code schema.registry.url}, following the Confluent
 * convention: {@code mock://<scope>} is a process-wide {@link InMemorySchemaRegistry}, one per
 * scope, shared by every serde in the JVM that names the same scope (closing it is harmless);
 * {@code http(s)://} URLs (comma-separated, tried in order) get a {@link RestSchemaRegistryClient}.
 */
public final class SchemaRegistries {
    public static final String MOCK_SCHEME = "mock://";
    private static final Map<String, InMemorySchemaRegistry> MOCK_SCOPES = new ConcurrentHashMap<>();

    private SchemaRegistries() {}

    /** The client for {@code url}; {@code config} supplies the other {@link RegistryClientConfig} keys. */
    public static SchemaRegistryClient forUrl(String url, Map<String, ?> config) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException(
                    RegistryClientConfig.URL + ": expected mock://<scope> or http(s)://host:port, found '" + url + "'");
        }
        var trimmed = url.trim();
        if (trimmed.startsWith(MOCK_SCHEME)) {
            return mockScope(trimmed.substring(MOCK_SCHEME.length()));
        }
        var merged = new java.util.HashMap<String, Object>(config);
        merged.put(RegistryClientConfig.URL, trimmed);
        return RestSchemaRegistryClient.fromConfig(merged);
    }

    /** The client for the {@value RegistryClientConfig#URL} entry of {@code config}. */
    public static SchemaRegistryClient fromConfig(Map<String, ?> config) {
        var url = config.get(RegistryClientConfig.URL);
        return forUrl(url == null ? null : url.toString(), config);
    }

    /** The shared in-memory registry of {@code scope}, created on first use. */
    public static InMemorySchemaRegistry mockScope(String scope) {
        if (scope == null || scope.isBlank() || scope.contains(",")) {
            throw new IllegalArgumentException(
                    "mock registry scope: expected a non-empty name without ',', found '" + scope + "'");
        }
        return MOCK_SCOPES.computeIfAbsent(scope, s -> new InMemorySchemaRegistry());
    }

    /** Forgets the in-memory registry of {@code scope}; the next use starts empty. */
    public static void dropScope(String scope) {
        MOCK_SCOPES.remove(scope);
    }
}
