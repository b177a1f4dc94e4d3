package io.prefstream.schemas.serde;

import java.util.Map;

/**
 * Config keys read by {@link AvroSerializer}, {@link AvroDeserializer} and {@link AvroSerde} in
 * {@code configure(configs, isKey)}, named as Confluent's serdes name them. The registry client
 * keys (timeouts, retries, Basic auth) are those of
 * {@link io.prefstream.schemas.registry.RegistryClientConfig}.
 */
public final class AvroSerdeConfig {
    /** {@code mock://<scope>} or comma-separated {@code http(s)://} registry URLs. */
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    /** Register the record's schema on first use (default true); false requires it registered already. */
    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
    /** Fully-qualified generated class to decode values into, for deserializers created by class name. */
    public static final String VALUE_TYPE = "specific.avro.value.type";
    /** Fully-qualified generated class to decode keys into, for deserializers created by class name. */
    public static final String KEY_TYPE = "specific.avro.key.type";

    private AvroSerdeConfig() {}

    static boolean autoRegister(Map<String, ?> configs) {
        var value = configs.get(AUTO_REGISTER_SCHEMAS);
        if (value == null) {
            return true;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        var text = value.toString().trim();
        if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(text);
        }
        throw new IllegalArgumentException(AUTO_REGISTER_SCHEMAS + ": expected true or false, found '" + value + "'");
    }
}
