package io.prefstream.schemas.serde;

import io.prefstream.schemas.registry.SchemaRegistries;
import io.prefstream.schemas.registry.SchemaRegistryClient;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka {@link Serializer} writing generated Avro records in the Confluent wire format (see
 * {@link AvroEncoder}). Created by class name, it reads {@value AvroSerdeConfig#SCHEMA_REGISTRY_URL}
 * and {@value AvroSerdeConfig#AUTO_REGISTER_SCHEMAS} in {@link #configure}; created with a client,
 * it works without {@code configure} (value subjects, auto-registration on).
 */
public final class AvroSerializer<T extends SpecificRecord> implements Serializer<T> {
    private SchemaRegistryClient registry;
    private boolean ownsRegistry;
    private AvroEncoder<T> encoder;

    /** For Kafka's config-driven instantiation; {@link #configure} must be called. */
    public AvroSerializer() {}

    public AvroSerializer(SchemaRegistryClient registry) {
        this.registry = registry;
        this.encoder = new AvroEncoder<>(registry);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (registry == null) {
            registry = SchemaRegistries.fromConfig(configs);
            ownsRegistry = true;
        }
        use(registry, AvroSerdeConfig.autoRegister(configs), isKey);
    }

    void use(SchemaRegistryClient registry, boolean autoRegister, boolean isKey) {
        this.registry = registry;
        this.encoder = new AvroEncoder<>(registry, autoRegister, isKey);
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (encoder == null) {
            throw new IllegalStateException("AvroSerializer not configured: call configure() with "
                    + AvroSerdeConfig.SCHEMA_REGISTRY_URL + " or construct it with a SchemaRegistryClient");
        }
        return encoder.encode(topic, data);
    }

    @Override
    public void close() {
        if (ownsRegistry) {
            registry.close();
        }
    }
}
