package io.prefstream.schemas.serde;

import io.prefstream.schemas.registry.SchemaRegistries;
import io.prefstream.schemas.registry.SchemaRegistryClient;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Kafka {@link Deserializer} reading Confluent-framed Avro into a generated class (see
 * {@link AvroDecoder}); failures are {@link RecordDecodingException} with partition and offset -1,
 * because Kafka does not pass them to deserializers. Services that dead-letter bad records consume
 * raw bytes and call {@link AvroDecoder#decode(org.apache.kafka.clients.consumer.ConsumerRecord)}
 * instead. Created by class name, it reads {@value AvroSerdeConfig#SCHEMA_REGISTRY_URL} and
 * {@value AvroSerdeConfig#VALUE_TYPE} (or {@value AvroSerdeConfig#KEY_TYPE}) in {@link #configure}.
 */
public final class AvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {
    private Class<T> type;
    private SchemaRegistryClient registry;
    private boolean ownsRegistry;
    private AvroDecoder<T> decoder;

    /** For Kafka's config-driven instantiation; {@link #configure} must name the type. */
    public AvroDeserializer() {}

    /** Takes its registry from {@link #configure}. */
    public AvroDeserializer(Class<T> type) {
        this.type = type;
    }

    public AvroDeserializer(Class<T> type, SchemaRegistryClient registry) {
        this.type = type;
        this.registry = registry;
        this.decoder = new AvroDecoder<>(type, registry);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (type == null) {
            type = typeFrom(configs, isKey ? AvroSerdeConfig.KEY_TYPE : AvroSerdeConfig.VALUE_TYPE);
        }
        if (registry == null) {
            registry = SchemaRegistries.fromConfig(configs);
            ownsRegistry = true;
        }
        use(registry);
    }

    void use(SchemaRegistryClient registry) {
        this.registry = registry;
        this.decoder = new AvroDecoder<>(type, registry);
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (decoder == null) {
            throw new IllegalStateException("AvroDeserializer not configured: call configure() with "
                    + AvroSerdeConfig.SCHEMA_REGISTRY_URL + " or construct it with a type and a SchemaRegistryClient");
        }
        return decoder.decode(topic, data);
    }

    @Override
    public void close() {
        if (ownsRegistry) {
            registry.close();
        }
    }

    @SuppressWarnings("unchecked")
    private static <T extends SpecificRecord> Class<T> typeFrom(Map<String, ?> configs, String key) {
        var value = configs.get(key);
        if (value instanceof Class<?> c) {
            return requireRecord(c, key);
        }
        if (value == null || value.toString().isBlank()) {
            throw new IllegalArgumentException(key + ": expected the generated Avro class to decode into "
                    + "(e.g. io.prefstream.schemas.Rollout), found nothing");
        }
        try {
            return (Class<T>) requireRecord(
                    Class.forName(
                            value.toString().trim(),
                            true,
                            Thread.currentThread().getContextClassLoader()),
                    key);
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException(
                    key + ": expected a generated Avro class on the classpath, found '" + value + "'", e);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T extends SpecificRecord> Class<T> requireRecord(Class<?> c, String key) {
        if (!SpecificRecord.class.isAssignableFrom(c)) {
            throw new IllegalArgumentException(
                    key + ": expected a class implementing SpecificRecord, found " + c.getName());
        }
        return (Class<T>) c;
    }
}
