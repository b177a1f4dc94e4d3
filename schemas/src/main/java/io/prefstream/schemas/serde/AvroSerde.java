package io.prefstream.schemas.serde;

import io.prefstream.schemas.registry.SchemaRegistries;
import io.prefstream.schemas.registry.SchemaRegistryClient;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka {@link Serde} for one generated Avro class in the Confluent wire format: an
 * {@link AvroSerializer} and an {@link AvroDeserializer} sharing one registry client. Construct it
 * with a client for direct use (value subjects, auto-registration on), or with only the type and
 * call {@link #configure} with {@value AvroSerdeConfig#SCHEMA_REGISTRY_URL} (and optionally
 * {@value AvroSerdeConfig#AUTO_REGISTER_SCHEMAS}).
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {
    private final Class<T> type;
    private final AvroSerializer<T> serializer;
    private final AvroDeserializer<T> deserializer;
    private SchemaRegistryClient registry;
    private boolean ownsRegistry;

    /** A serde that gets its registry from {@link #configure}. */
    public AvroSerde(Class<T> type) {
        this.type = Objects.requireNonNull(type, "type");
        this.serializer = new AvroSerializer<>();
        this.deserializer = new AvroDeserializer<>(type);
    }

    /** A ready-to-use serde for values of {@code type}. */
    public AvroSerde(Class<T> type, SchemaRegistryClient registry) {
        this.type = Objects.requireNonNull(type, "type");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.serializer = new AvroSerializer<>(registry);
        this.deserializer = new AvroDeserializer<>(type, registry);
    }

    public Class<T> type() {
        return type;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (registry == null) {
            registry = SchemaRegistries.fromConfig(configs);
            ownsRegistry = true;
        }
        serializer.use(registry, AvroSerdeConfig.autoRegister(configs), isKey);
        deserializer.use(registry);
    }

    @Override
    public Serializer<T> serializer() {
        return serializer;
    }

    @Override
    public Deserializer<T> deserializer() {
        return deserializer;
    }

    @Override
    public void close() {
        if (ownsRegistry) {
            registry.close();
        }
    }
}
