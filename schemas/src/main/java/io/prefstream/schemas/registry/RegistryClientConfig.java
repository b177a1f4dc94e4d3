package io.prefstream.schemas.registry;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Validated settings of a {@link RestSchemaRegistryClient}, read from a Kafka-style config map.
 *
 * <ul>
 *   <li>{@value #URL}: comma-separated {@code http(s)://} base URLs, tried in order (required);</li>
 *   <li>{@value #BASIC_AUTH_USER_INFO} (or {@value #PREFIXED_BASIC_AUTH_USER_INFO}): {@code user:password}
 *       for HTTP Basic auth; credentials in the URL ({@code http://user:pw@host}) work too;</li>
 *   <li>{@value #MAX_RETRIES} (default 3): extra rounds over all URLs after a 5xx or connection failure;</li>
 *   <li>{@value #RETRY_BACKOFF_MS} (default 100) and {@value #RETRY_BACKOFF_MAX_MS} (default 2000):
 *       the wait before retry round r is {@code min(max, initial * 2^(r-1))};</li>
 *   <li>{@value #REQUEST_TIMEOUT_MS} (default 10000): connect and per-request timeout.</li>
 * </ul>
 */
public record RegistryClientConfig(
        List<URI> urls,
        String basicAuthUserInfo,
        int maxRetries,
        Duration initialBackoff,
        Duration maxBackoff,
        Duration requestTimeout) {
    public static final String URL = "schema.registry.url";
    public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";
    public static final String PREFIXED_BASIC_AUTH_USER_INFO = "schema.registry.basic.auth.user.info";
    public static final String MAX_RETRIES = "schema.registry.max.retries";
    public static final String RETRY_BACKOFF_MS = "schema.registry.retry.backoff.ms";
    public static final String RETRY_BACKOFF_MAX_MS = "schema.registry.retry.backoff.max.ms";
    public static final String REQUEST_TIMEOUT_MS = "schema.registry.request.timeout.ms";

    public RegistryClientConfig {
        urls = List.copyOf(urls);
        if (urls.isEmpty()) {
            throw new IllegalArgumentException(URL + ": expected at least one http(s):// URL, found none");
        }
        for (var url : urls) {
            if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
                throw new IllegalArgumentException(URL + ": expected http:// or https://, found '" + url + "'");
            }
        }
        if (basicAuthUserInfo != null && !basicAuthUserInfo.contains(":")) {
            throw new IllegalArgumentException(
                    BASIC_AUTH_USER_INFO + ": expected 'user:password', found a value without ':'");
        }
        if (maxRetries < 0) {
            throw new IllegalArgumentException(MAX_RETRIES + ": expected >= 0, found " + maxRetries);
        }
        requirePositive(RETRY_BACKOFF_MS, initialBackoff);
        requirePositive(RETRY_BACKOFF_MAX_MS, maxBackoff);
        requirePositive(REQUEST_TIMEOUT_MS, requestTimeout);
    }

    /** Reads the keys above from {@code config}; values may be strings or numbers. */
    public static RegistryClientConfig from(Map<String, ?> config) {
        var urlValue = config.get(URL);
        if (urlValue == null || urlValue.toString().isBlank()) {
            throw new IllegalArgumentException(URL + ": expected comma-separated http(s):// URLs, found nothing");
        }
        var urls = new ArrayList<URI>();
        for (var part : urlValue.toString().split(",")) {
            if (part.isBlank()) {
                continue;
            }
            try {
                urls.add(new URI(part.trim()));
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException(URL + ": expected a URL, found '" + part.trim() + "'", e);
            }
        }
        var userInfo = string(config, BASIC_AUTH_USER_INFO);
        if (userInfo == null) {
            userInfo = string(config, PREFIXED_BASIC_AUTH_USER_INFO);
        }
        return new RegistryClientConfig(
                urls,
                userInfo,
                (int) number(config, MAX_RETRIES, 3),
                Duration.ofMillis(number(config, RETRY_BACKOFF_MS, 100)),
                Duration.ofMillis(number(config, RETRY_BACKOFF_MAX_MS, 2000)),
                Duration.ofMillis(number(config, REQUEST_TIMEOUT_MS, 10_000)));
    }

    /** Backoff before retry round {@code round} (1-based): {@code min(max, initial * 2^(round-1))}. */
    public Duration backoff(int round) {
        long millis = initialBackoff.toMillis() << Math.min(round - 1, 30);
        return Duration.ofMillis(Math.min(maxBackoff.toMillis(), millis));
    }

    private static String string(Map<String, ?> config, String key) {
        var value = config.get(key);
        return value == null || value.toString().isBlank() ? null : value.toString();
    }

    private static long number(Map<String, ?> config, String key, long defaultValue) {
        var value = config.get(key);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof Number n) {
            return n.longValue();
        }
        try {
            return Long.parseLong(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": expected an integer, found '" + value + "'", e);
        }
    }

    private static void requirePositive(String key, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(key + ": expected > 0 ms, found " + value);
        }
    }
}
