package io.prefstream.platform.config;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One named, typed, documented configuration value. The key is lower-case and dotted
 * ({@code generator.batch-size}); its environment variable is {@code PREFSTREAM_} followed by the
 * key upper-cased with {@code .} and {@code -} replaced by {@code _}
 * ({@code PREFSTREAM_GENERATOR_BATCH_SIZE}). A setting whose default is {@code null} is required.
 *
 * <p>A value is accepted only when {@link #parser} turns its text into a {@code T} and
 * {@link #validator} accepts it; otherwise resolution fails with a {@link ConfigException} that
 * quotes {@link #allowed}.
 *
 * @param key          dotted lower-case key, unique within a service
 * @param typeName     human name of the type, e.g. {@code integer}
 * @param parser       text to value; throws any {@link RuntimeException} on malformed text
 * @param defaultValue value when nothing overrides it, {@code null} when the setting is required
 * @param doc          one sentence for operators
 * @param validator    accepts or rejects a parsed value
 * @param allowed      what {@code validator} accepts, phrased to follow "expected"
 * @param <T>          value type
 */
public record Setting<T>(
        String key,
        String typeName,
        Function<String, T> parser,
        T defaultValue,
        String doc,
        Predicate<T> validator,
        String allowed) {

    private static final Pattern KEY = Pattern.compile("[a-z][a-z0-9-]*(\\.[a-z0-9][a-z0-9-]*)*");

    /** Environment variable prefix shared by every setting. */
    public static final String ENV_PREFIX = "PREFSTREAM_";

    public Setting {
        Objects.requireNonNull(key, "key");
        if (!KEY.matcher(key).matches()) {
            throw new IllegalArgumentException("Setting key '" + key
                    + "' must be lower-case dotted words of [a-z0-9-], e.g. generator.batch-size");
        }
        if (key.startsWith(ConfigLoader.KAFKA_PREFIX)) {
            throw new IllegalArgumentException("Setting key '" + key + "' is under the reserved prefix '"
                    + ConfigLoader.KAFKA_PREFIX + "', which passes through to Kafka clients");
        }
        Objects.requireNonNull(typeName, "typeName");
        Objects.requireNonNull(parser, "parser");
        Objects.requireNonNull(doc, "doc");
        Objects.requireNonNull(validator, "validator");
        Objects.requireNonNull(allowed, "allowed");
        if (defaultValue != null && !validator.test(defaultValue)) {
            throw new IllegalArgumentException("Default '" + defaultValue + "' of " + key + " is not " + allowed);
        }
    }

    /** The environment variable that sets this key. */
    public String envName() {
        return envName(key);
    }

    /** The environment variable for any dotted key: {@code PREFSTREAM_} + upper-cased key, {@code .-} to {@code _}. */
    public static String envName(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** Whether resolution fails when no source gives a value. */
    public boolean required() {
        return defaultValue == null;
    }

    /** This setting with an extra constraint; {@code allowed} replaces the description. */
    public Setting<T> validatedBy(Predicate<T> extra, String allowed) {
        return new Setting<>(key, typeName, parser, defaultValue, doc, validator.and(extra), allowed);
    }

    /** This setting with another default (e.g. a service-specific one for a shared key). */
    public Setting<T> withDefault(T newDefault) {
        return new Setting<>(key, typeName, parser, newDefault, doc, validator, allowed);
    }

    /** Parses and validates {@code text}; {@code source} only feeds the error message. */
    public T parse(String text, String source) {
        T value;
        try {
            value = parser.apply(text.trim());
        } catch (RuntimeException e) {
            throw ConfigException.invalid(key, text, source, allowed);
        }
        if (value == null || !validator.test(value)) {
            throw ConfigException.invalid(key, text, source, allowed);
        }
        return value;
    }

    /**
     * The text that {@link #parse} turns back into {@code value}: enum constants lower-case with
     * {@code -} for {@code _}, lists comma-separated, anything else {@link String#valueOf}.
     *
     * @throws IllegalArgumentException when {@code value} is not accepted by this setting or its
     *                                  text would not parse back to it
     */
    public String format(T value) {
        if (value == null || !validator.test(value)) {
            throw new IllegalArgumentException("Value '" + value + "' of " + key + " is not " + allowed);
        }
        String text;
        if (value instanceof Enum<?> e) {
            text = e.name().toLowerCase(Locale.ROOT).replace('_', '-');
        } else if (value instanceof List<?> list) {
            text = list.stream().map(String::valueOf).collect(Collectors.joining(","));
        } else {
            text = String.valueOf(value);
        }
        T back;
        try {
            back = parser.apply(text);
        } catch (RuntimeException e) {
            back = null;
        }
        if (!value.equals(back)) {
            throw new IllegalArgumentException("Value '" + value + "' of " + key + " does not survive as text: '" + text
                    + "' reads back as " + back);
        }
        return text;
    }

    // ---- factories -------------------------------------------------------------------------

    public static Setting<String> string(String key, String defaultValue, String doc) {
        return new Setting<>(key, "string", s -> s, defaultValue, doc, s -> !s.isEmpty(), "a non-empty string");
    }

    public static Setting<Integer> integer(String key, Integer defaultValue, String doc) {
        return new Setting<>(key, "integer", Integer::valueOf, defaultValue, doc, v -> true, "an integer");
    }

    /** An integer in {@code [min, max]}. */
    public static Setting<Integer> integer(String key, Integer defaultValue, int min, int max, String doc) {
        return new Setting<>(
                key,
                "integer",
                Integer::valueOf,
                defaultValue,
                doc,
                v -> v >= min && v <= max,
                "an integer in [" + min + ", " + max + "]");
    }

    /** A long in {@code [min, max]}. */
    public static Setting<Long> longValue(String key, Long defaultValue, long min, long max, String doc) {
        return new Setting<>(
                key,
                "long",
                Long::valueOf,
                defaultValue,
                doc,
                v -> v >= min && v <= max,
                "an integer in [" + min + ", " + max + "]");
    }

    /** A finite double in {@code [min, max]}. */
    public static Setting<Double> doubleValue(String key, Double defaultValue, double min, double max, String doc) {
        return new Setting<>(
                key,
                "double",
                Double::valueOf,
                defaultValue,
                doc,
                v -> Double.isFinite(v) && v >= min && v <= max,
                "a number in [" + min + ", " + max + "]");
    }

    /** {@code true} or {@code false}, case-insensitive; nothing else. */
    public static Setting<Boolean> bool(String key, Boolean defaultValue, String doc) {
        return new Setting<>(key, "boolean", Setting::parseBoolean, defaultValue, doc, v -> true, "true or false");
    }

    /** One of the enum's constants, case-insensitive, {@code -} and {@code _} interchangeable. */
    public static <E extends Enum<E>> Setting<E> enumValue(String key, Class<E> type, E defaultValue, String doc) {
        String names = Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", "));
        return new Setting<>(
                key,
                type.getSimpleName(),
                s -> Enum.valueOf(type, s.toUpperCase(Locale.ROOT).replace('-', '_')),
                defaultValue,
                doc,
                v -> true,
                "one of " + names);
    }

    /** A filesystem path (not required to exist). */
    public static Setting<Path> path(String key, Path defaultValue, String doc) {
        return new Setting<>(
                key, "path", Path::of, defaultValue, doc, p -> !p.toString().isEmpty(), "a path");
    }

    /** A comma-separated list of non-empty strings. */
    public static Setting<List<String>> list(String key, List<String> defaultValue, String doc) {
        return new Setting<>(
                key,
                "list",
                s -> Arrays.stream(s.split(","))
                        .map(String::trim)
                        .filter(x -> !x.isEmpty())
                        .toList(),
                defaultValue == null ? null : List.copyOf(defaultValue),
                doc,
                v -> true,
                "a comma-separated list");
    }

    private static Boolean parseBoolean(String s) {
        if (s.equalsIgnoreCase("true")) {
            return true;
        }
        if (s.equalsIgnoreCase("false")) {
            return false;
        }
        throw new IllegalArgumentException(s);
    }

    @Override
    public String toString() {
        return key + " (" + typeName + ", default " + defaultValue + ")";
    }
}
