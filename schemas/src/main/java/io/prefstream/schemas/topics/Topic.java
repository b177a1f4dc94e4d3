package io.prefstream.schemas.topics;

import io.prefstream.schemas.registry.SchemaRegistryClient;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;

/**
 * A topic of the Prefstream dataflow whose values are Avro records of {@code V} in the Confluent
 * wire format, declared once in {@link Topics}. Keys are UTF-8 strings on every topic. Code that
 * reads or writes it gets its {@link TopicCodec} from {@link #codec}; nobody builds an Avro encoder
 * or decoder by hand.
 *
 * @param name           topic name, e.g. {@code prefstream.rollouts}
 * @param keyType        what the key is, e.g. {@code prompt id (string)}
 * @param valueType      the generated Avro class of the values
 * @param partitions     fixed partition count, or {@link #CONFIGURED_PARTITIONS} to use {@code topics.partitions}
 * @param cleanupPolicy  delete or compact
 * @param configs        extra topic configs applied at creation
 */
public record Topic<V extends SpecificRecord>(
        String name,
        String keyType,
        Class<V> valueType,
        int partitions,
        CleanupPolicy cleanupPolicy,
        Map<String, String> configs)
        implements TopicSpec {

    public Topic {
        Objects.requireNonNull(keyType, "keyType");
        Objects.requireNonNull(valueType, "valueType");
        Objects.requireNonNull(cleanupPolicy, "cleanupPolicy");
        configs = TopicSpec.checked(name, partitions, configs);
    }

    @Override
    public String valueTypeName() {
        return valueType.getName();
    }

    /** The same topic under another name (tests and benchmarks that share a broker use private copies). */
    public Topic<V> named(String otherName) {
        return new Topic<>(otherName, keyType, valueType, partitions, cleanupPolicy, configs);
    }

    /** Encoder and decoder of this topic's values against {@code registry} (thread-safe; keep one per client). */
    public TopicCodec<V> codec(SchemaRegistryClient registry) {
        return new TopicCodec<>(this, registry);
    }

    @Override
    public String toString() {
        return name;
    }
}
