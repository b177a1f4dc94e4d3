package io.prefstream.platform.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The settings one service (or several, for the all-in-one launcher) declares. Keys are unique:
 * the same {@link Setting} may appear in several sets being combined, but two different
 * definitions of one key are rejected.
 *
 * @param settings the settings in declaration order
 */
public record SettingSet(List<Setting<?>> settings) {

    public SettingSet {
        settings = List.copyOf(byKey(settings).values());
    }

    public static SettingSet of(Setting<?>... settings) {
        return new SettingSet(Arrays.asList(settings));
    }

    /** The union of several sets, e.g. every service run by one launcher process. */
    public static SettingSet union(SettingSet... sets) {
        var all = new ArrayList<Setting<?>>();
        for (SettingSet set : sets) {
            all.addAll(set.settings());
        }
        return new SettingSet(all);
    }

    /** This set followed by {@code more}. */
    public SettingSet plus(Setting<?>... more) {
        var all = new ArrayList<>(settings);
        all.addAll(Arrays.asList(more));
        return new SettingSet(all);
    }

    /** Every key, in declaration order. */
    public List<String> keys() {
        return settings.stream().map(Setting::key).toList();
    }

    /** Every environment variable name, in declaration order (a compose file may set only these). */
    public List<String> envNames() {
        return settings.stream().map(Setting::envName).toList();
    }

    public Optional<Setting<?>> find(String key) {
        return settings.stream().filter(s -> s.key().equals(key)).findFirst();
    }

    /** The setting whose environment variable is {@code envName}, if any. */
    public Optional<Setting<?>> findByEnv(String envName) {
        return settings.stream().filter(s -> s.envName().equals(envName)).findFirst();
    }

    public boolean contains(Setting<?> setting) {
        return find(setting.key()).filter(setting::equals).isPresent();
    }

    /** A Markdown table of key, environment variable, type, default and doc. */
    public String documentation() {
        var out = new StringBuilder("| key | env | type | default | description |\n|---|---|---|---|---|\n");
        for (Setting<?> s : settings) {
            out.append("| `")
                    .append(s.key())
                    .append("` | `")
                    .append(s.envName())
                    .append("` | ")
                    .append(s.typeName())
                    .append(" | ")
                    .append(s.required() ? "(required)" : "`" + s.defaultValue() + "`")
                    .append(" | ")
                    .append(s.doc())
                    .append(" (")
                    .append(s.allowed())
                    .append(") |\n");
        }
        return out.toString();
    }

    private static Map<String, Setting<?>> byKey(Collection<Setting<?>> settings) {
        var map = new LinkedHashMap<String, Setting<?>>();
        var envs = new LinkedHashMap<String, String>();
        for (Setting<?> s : settings) {
            Setting<?> previous = map.putIfAbsent(s.key(), s);
            if (previous != null && !previous.equals(s)) {
                throw new IllegalArgumentException("Setting " + s.key() + " is declared twice with different "
                        + "definitions: " + previous + " and " + s + "; declare it once and share the constant");
            }
            String clash = envs.putIfAbsent(s.envName(), s.key());
            if (clash != null && !clash.equals(s.key())) {
                throw new IllegalArgumentException("Settings " + clash + " and " + s.key()
                        + " map to the same environment variable " + s.envName());
            }
        }
        return map;
    }
}
