package io.prefstream.platform.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Typed values for settings, in insertion order: what a profile or a command puts under the
 * files, environment and flags a {@link ConfigLoader} reads. {@link #put} checks each value
 * against its setting (validator, and that its text {@link Setting#format formats} back to the
 * same value), so a profile cannot hold a value the loader would reject; {@link #asText()} gives
 * the key-to-text map that loader layers take.
 */
public final class SettingValues {

    private final Map<Setting<?>, Object> values = new LinkedHashMap<>();

    /**
     * Sets {@code setting} to {@code value}, replacing an earlier value.
     *
     * @throws IllegalArgumentException when the setting does not accept the value
     */
    public <T> SettingValues put(Setting<T> setting, T value) {
        setting.format(value); // validates and checks the round trip
        values.remove(setting);
        values.put(setting, value);
        return this;
    }

    /** Every value of {@code other}, replacing earlier values of the same settings. */
    public SettingValues putAll(SettingValues other) {
        other.values.forEach((s, v) -> {
            values.remove(s);
            values.put(s, v);
        });
        return this;
    }

    /** The value put for {@code setting}, or null. */
    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> setting) {
        return (T) values.get(setting);
    }

    /** Key to text as a file or flag would give it, in insertion order (unmodifiable). */
    public Map<String, String> asText() {
        var out = new LinkedHashMap<String, String>();
        values.forEach((s, v) -> out.put(s.key(), formatAny(s, v)));
        return Collections.unmodifiableMap(out);
    }

    @SuppressWarnings("unchecked")
    private static <T> String formatAny(Setting<T> setting, Object value) {
        return setting.format((T) value);
    }

    @Override
    public String toString() {
        return asText().toString();
    }
}
