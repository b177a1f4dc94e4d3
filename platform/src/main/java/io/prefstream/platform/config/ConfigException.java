package io.prefstream.platform.config;

/**
 * A configuration value that cannot be accepted. The message always names the key, the value
 * that was found (and where it came from), and what is allowed, so an operator can fix it
 * without reading code.
 */
public final class ConfigException extends RuntimeException {

    private final String key;

    public ConfigException(String key, String message) {
        super(message);
        this.key = key;
    }

    /**
     * A value that does not satisfy its setting.
     *
     * @param key     the setting key, e.g. {@code generator.batch-size}
     * @param value   the offending value as found (may be {@code null})
     * @param source  where the value came from, e.g. {@code env PREFSTREAM_GENERATOR_BATCH_SIZE}
     * @param allowed what would have been accepted, e.g. {@code an integer in [1, 1024]}
     */
    public static ConfigException invalid(String key, Object value, String source, String allowed) {
        return new ConfigException(
                key, "Invalid value '" + value + "' for " + key + " (from " + source + "): expected " + allowed + ".");
    }

    /** A value rejected by a service's config record after resolution. */
    public static ConfigException invalid(Setting<?> setting, Object value, String allowed) {
        return new ConfigException(
                setting.key(),
                "Invalid value '" + value + "' for " + setting.key() + " (env " + setting.envName() + "): expected "
                        + allowed + ".");
    }

    /** The setting key the problem is about. */
    public String key() {
        return key;
    }
}
