package io.prefstream.platform.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves a {@link SettingSet} from layered sources, later layers winning:
 * defaults → profile → file ({@code .properties} or {@code .yaml}, nested YAML keys joined with
 * dots) → environment ({@code PREFSTREAM_*}) → flags. Every key found in a file, in a
 * {@code PREFSTREAM_*} variable or in a flag must be a declared setting or start with
 * {@code kafka.}; anything else fails with a {@link ConfigException}. {@code kafka.*} keys pass
 * through verbatim (prefix removed) to every Kafka client; from the environment,
 * {@code PREFSTREAM_KAFKA_SASL_MECHANISM} becomes {@code sasl.mechanism}.
 *
 * <p>When no file is given, {@code PREFSTREAM_CONFIG} names one. The environment is checked
 * against the whole set given, so a launcher running several services passes their
 * {@link SettingSet#union union}. Instances are immutable; {@code with*} return copies.
 */
public final class ConfigLoader {

    private static final Logger log = LoggerFactory.getLogger(ConfigLoader.class);

    /** Keys under this prefix are passed to Kafka clients with the prefix removed. */
    public static final String KAFKA_PREFIX = "kafka.";
    /** Environment variable naming a config file when none is given explicitly. */
    public static final String CONFIG_FILE_ENV = "PREFSTREAM_CONFIG";
    /** {@code PREFSTREAM_*} variables that are not settings (used by {@code bin/prefstream} and this loader). */
    public static final Set<String> RESERVED_ENV =
            Set.of(CONFIG_FILE_ENV, "PREFSTREAM_JAVA_OPTS", "PREFSTREAM_NO_BUILD");

    private static final String KAFKA_ENV_PREFIX = Setting.ENV_PREFIX + "KAFKA_";

    private final SettingSet settings;
    private final Map<String, String> profile;
    private final Path file;
    private final Map<String, String> env;
    private final Map<String, String> flags;
    /** The option the flags were given with ({@code --set}), or null for {@code --key=value} flags. */
    private final String flagOption;

    private ConfigLoader(
            SettingSet settings,
            Map<String, String> profile,
            Path file,
            Map<String, String> env,
            Map<String, String> flags,
            String flagOption) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.profile = Map.copyOf(profile);
        this.file = file;
        this.env = Map.copyOf(env);
        this.flags = Map.copyOf(flags);
        this.flagOption = flagOption;
    }

    /** A loader for {@code settings} reading the process environment, no file, no flags. */
    public static ConfigLoader forSettings(SettingSet settings) {
        return new ConfigLoader(settings, Map.of(), null, System.getenv(), Map.of(), null);
    }

    /** Values applied over the defaults and under everything else, e.g. a {@code tiny} profile for tests. */
    public ConfigLoader withProfile(Map<String, String> profileValues) {
        return new ConfigLoader(settings, profileValues, file, env, flags, flagOption);
    }

    /** A {@code .properties}, {@code .yaml} or {@code .yml} file; {@code null} for none. */
    public ConfigLoader withFile(Path configFile) {
        return new ConfigLoader(settings, profile, configFile, env, flags, flagOption);
    }

    /** The environment to read instead of {@link System#getenv()} (tests pass a map). */
    public ConfigLoader withEnv(Map<String, String> environment) {
        return new ConfigLoader(settings, profile, file, environment, flags, flagOption);
    }

    /** Command-line overrides, key to value, e.g. from {@code --generator.batch-size=8}. */
    public ConfigLoader withOverrides(Map<String, String> overrides) {
        return new ConfigLoader(settings, profile, file, env, overrides, null);
    }

    /**
     * Command-line overrides given as {@code option key=value} (e.g. {@code --set trainer.beta=0.2}):
     * errors name the value as the user typed it, {@code flag --set trainer.beta=0.2}.
     */
    public ConfigLoader withOverrides(Map<String, String> overrides, String option) {
        return new ConfigLoader(settings, profile, file, env, overrides, Objects.requireNonNull(option, "option"));
    }

    /**
     * Reads command-line overrides: {@code --key=value} or {@code --key value}, keys as in files
     * (e.g. {@code --generator.batch-size=8}, {@code --kafka.linger.ms=5}).
     *
     * @throws ConfigException when an argument is not of that form
     */
    public static Map<String, String> parseFlags(List<String> args) {
        var out = new LinkedHashMap<String, String>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new ConfigException(
                        arg, "Unexpected argument '" + arg + "': expected --key=value or --key value");
            }
            String body = arg.substring(2);
            int eq = body.indexOf('=');
            if (eq > 0) {
                out.put(body.substring(0, eq), body.substring(eq + 1));
            } else if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
                out.put(body, args.get(++i));
            } else {
                throw new ConfigException(body, "Flag '" + arg + "' has no value: expected --" + body + "=value");
            }
        }
        return out;
    }

    /**
     * Applies every source and validates every value.
     *
     * @throws ConfigException on an unknown key, a malformed or out-of-range value, an unreadable
     *                         file, or a required setting with no value
     */
    public ResolvedConfig load() {
        var raw = new LinkedHashMap<String, String>();
        var sources = new HashMap<String, String>();
        var kafka = new TreeMap<String, String>();
        for (Setting<?> s : settings.settings()) {
            if (!s.required()) {
                sources.put(s.key(), "default");
            }
        }
        profile.forEach((k, v) -> apply(k, v, "profile", raw, sources, kafka));
        Path configFile = file;
        if (configFile == null && env.containsKey(CONFIG_FILE_ENV)) {
            configFile = Path.of(env.get(CONFIG_FILE_ENV));
        }
        if (configFile != null) {
            String source = "file " + configFile;
            readFile(configFile).forEach((k, v) -> apply(k, v, source, raw, sources, kafka));
        }
        new TreeMap<>(env)
                .forEach((name, v) -> envKey(name).ifPresent(k -> apply(k, v, "env " + name, raw, sources, kafka)));
        flags.forEach((k, v) -> apply(
                k,
                v,
                flagOption == null ? "flag --" + k : "flag " + flagOption + " " + k + "=" + v,
                raw,
                sources,
                kafka));

        var values = new HashMap<String, Object>();
        for (Setting<?> s : settings.settings()) {
            String text = raw.get(s.key());
            if (text != null) {
                values.put(s.key(), s.parse(text, sources.get(s.key())));
            } else if (s.required()) {
                throw new ConfigException(
                        s.key(),
                        "Missing required setting " + s.key() + " (" + s.doc()
                                + "): set it in the config file, with env " + s.envName() + " or with --" + s.key()
                                + "=...");
            } else {
                values.put(s.key(), s.defaultValue());
            }
        }
        var resolved = new ResolvedConfig(settings, values, sources, kafka);
        log.debug("Resolved configuration:\n{}", resolved.describe());
        return resolved;
    }

    private void apply(
            String key,
            String value,
            String source,
            Map<String, String> raw,
            Map<String, String> sources,
            Map<String, String> kafka) {
        if (key.startsWith(KAFKA_PREFIX) && key.length() > KAFKA_PREFIX.length()) {
            kafka.put(key.substring(KAFKA_PREFIX.length()), value);
            return;
        }
        if (settings.find(key).isEmpty()) {
            throw unknown(key, value, source);
        }
        raw.put(key, value);
        sources.put(key, source);
    }

    /** The key an environment variable sets, empty when it is not a Prefstream variable. */
    private Optional<String> envKey(String name) {
        if (!name.startsWith(Setting.ENV_PREFIX) || RESERVED_ENV.contains(name)) {
            return Optional.empty();
        }
        Optional<Setting<?>> setting = settings.findByEnv(name);
        if (setting.isPresent()) {
            return Optional.of(setting.get().key());
        }
        if (name.startsWith(KAFKA_ENV_PREFIX) && name.length() > KAFKA_ENV_PREFIX.length()) {
            return Optional.of(KAFKA_PREFIX
                    + name.substring(KAFKA_ENV_PREFIX.length())
                            .toLowerCase(Locale.ROOT)
                            .replace('_', '.'));
        }
        throw new ConfigException(
                name,
                "Unknown environment variable " + name + "='" + env.get(name)
                        + "': it starts with " + Setting.ENV_PREFIX + " but names no setting of this process. "
                        + suggestion(name, settings.envNames()) + "Known variables: "
                        + String.join(", ", settings.envNames())
                        + ", " + KAFKA_ENV_PREFIX + "* (passed to Kafka clients), " + String.join(", ", RESERVED_ENV)
                        + ".");
    }

    private ConfigException unknown(String key, String value, String source) {
        return new ConfigException(
                key,
                "Unknown setting '" + key + "' = '" + value + "' (from " + source + "). "
                        + suggestion(key, settings.keys()) + "Known keys: " + String.join(", ", settings.keys())
                        + ", and " + KAFKA_PREFIX + "* for Kafka client properties.");
    }

    private static String suggestion(String found, List<String> candidates) {
        return candidates.stream()
                .filter(c -> editDistance(found.toLowerCase(Locale.ROOT), c.toLowerCase(Locale.ROOT)) <= 3)
                .min((a, b) -> Integer.compare(editDistance(found, a), editDistance(found, b)))
                .map(c -> "Did you mean '" + c + "'? ")
                .orElse("");
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** Reads a config file into flat dotted keys. */
    static Map<String, String> readFile(Path path) {
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!Files.isRegularFile(path)) {
            throw new ConfigException(
                    CONFIG_FILE_ENV,
                    "Config file " + path.toAbsolutePath()
                            + " does not exist or is not a regular file: expected a readable .properties or .yaml file.");
        }
        try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            if (name.endsWith(".properties")) {
                var props = new Properties();
                props.load(reader);
                return props.stringPropertyNames().stream()
                        .sorted()
                        .collect(Collectors.toMap(k -> k, props::getProperty, (a, b) -> a, LinkedHashMap::new));
            }
            if (name.endsWith(".yaml") || name.endsWith(".yml")) {
                JsonNode root = new YAMLMapper().readTree(reader);
                var out = new LinkedHashMap<String, String>();
                if (root != null && !root.isMissingNode() && !root.isNull()) {
                    if (!root.isObject()) {
                        throw new ConfigException(
                                CONFIG_FILE_ENV,
                                "Config file " + path + " must hold a YAML mapping of keys to values, found a "
                                        + root.getNodeType());
                    }
                    flatten("", root, out);
                }
                return out;
            }
        } catch (IOException e) {
            throw new ConfigException(
                    CONFIG_FILE_ENV,
                    "Cannot read config file " + path + ": " + e.getMessage() + " (expected a valid "
                            + (name.endsWith(".properties") ? "properties" : "YAML") + " file)");
        } catch (UncheckedIOException e) {
            throw new ConfigException(CONFIG_FILE_ENV, "Cannot read config file " + path + ": " + e.getMessage());
        }
        throw new ConfigException(
                CONFIG_FILE_ENV,
                "Config file " + path + " has an unsupported extension: expected " + ".properties, .yaml or .yml");
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        if (node.isObject()) {
            node.fields()
                    .forEachRemaining(
                            e -> flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out));
        } else if (node.isArray()) {
            var items = new ArrayList<String>();
            node.forEach(item -> items.add(item.asText()));
            out.put(prefix, String.join(",", items));
        } else {
            out.put(prefix, node.isNull() ? "" : node.asText());
        }
    }
}
