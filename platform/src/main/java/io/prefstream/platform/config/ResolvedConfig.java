package io.prefstream.platform.config;

import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The values of a {@link SettingSet} after every source was applied and validated, plus the
 * {@code kafka.*} passthrough properties (prefix stripped). Immutable. Services turn it into
 * their own validated config record with {@link #get(Setting)}.
 */
public final class ResolvedConfig {

    private final SettingSet settings;
    private final Map<String, Object> values;
    private final Map<String, String> sources;
    private final Map<String, String> kafkaProperties;

    ResolvedConfig(
            SettingSet settings,
            Map<String, Object> values,
            Map<String, String> sources,
            Map<String, String> kafkaProperties) {
        this.settings = settings;
        this.values = Map.copyOf(values);
        this.sources = Map.copyOf(sources);
        this.kafkaProperties = Collections.unmodifiableMap(new TreeMap<>(kafkaProperties));
    }

    /**
     * The value of {@code setting}.
     *
     * @throws IllegalArgumentException when the setting was not part of the set given to the loader
     */
    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> setting) {
        if (!settings.contains(setting)) {
            throw new IllegalArgumentException("Setting " + setting.key() + " was not declared to the ConfigLoader; "
                    + "declared keys are " + settings.keys() + ". Add it to the service's SettingSet.");
        }
        return (T) values.get(setting.key());
    }

    /** Where the value of {@code setting} came from: {@code default}, {@code profile}, {@code file ...}, {@code env ...} or {@code flag ...}. */
    public String sourceOf(Setting<?> setting) {
        get(setting);
        return sources.get(setting.key());
    }

    /** The {@code kafka.*} properties with the prefix removed, e.g. {@code sasl.mechanism}. */
    public Map<String, String> kafkaProperties() {
        return kafkaProperties;
    }

    public SettingSet settings() {
        return settings;
    }

    /** One line per key with its value and source; values of secret-looking Kafka keys are masked. */
    public String describe() {
        var out = new StringBuilder();
        for (Setting<?> s : settings.settings()) {
            out.append(s.key())
                    .append(" = ")
                    .append(values.get(s.key()))
                    .append("  (")
                    .append(sources.get(s.key()))
                    .append(")\n");
        }
        kafkaProperties.forEach((k, v) -> out.append(ConfigLoader.KAFKA_PREFIX)
                .append(k)
                .append(" = ")
                .append(isSecret(k) ? "******" : v)
                .append('\n'));
        return out.toString();
    }

    private static boolean isSecret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.contains("password") || k.contains("jaas") || k.contains("secret") || k.contains("key");
    }

    @Override
    public String toString() {
        return describe();
    }
}
