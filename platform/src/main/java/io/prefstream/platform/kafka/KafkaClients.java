package io.prefstream.platform.kafka;

import io.prefstream.platform.config.CommonConfig;
import io.prefstream.platform.config.ConfigException;
import io.prefstream.platform.config.ConfigLoader;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Builds Kafka clients with Prefstream's delivery guarantees, from a {@link CommonConfig}:
 * consumers commit manually and read only committed data; producers are idempotent with
 * {@code acks=all}; Streams runs {@code exactly_once_v2}. The {@code kafka.*} passthrough
 * properties are applied to every client (each gets the keys it knows, plus keys no client knows
 * so Kafka itself warns about typos); a passthrough that contradicts a guarantee is rejected.
 * Callers own and close the clients.
 */
public final class KafkaClients {

    /** Commit interval of Streams apps: small, so dev runs and tests see results quickly. */
    public static final int STREAMS_COMMIT_INTERVAL_MS = 100;

    private static final Set<String> ALL_CLIENT_KEYS = allClientKeys();

    private final CommonConfig config;
    private final AtomicInteger clientSeq = new AtomicInteger();

    public KafkaClients(CommonConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    public CommonConfig config() {
        return config;
    }

    /** A byte-array consumer in {@code groupId}: manual commit, {@code read_committed}, earliest reset. */
    public KafkaConsumer<byte[], byte[]> consumer(String groupId) {
        return consumer(groupId, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** An idempotent producer of typed values to catalogue topics (see {@link TopicProducer}). */
    public TopicProducer topicProducer(io.prefstream.schemas.registry.SchemaRegistryClient registry) {
        return new TopicProducer(producer(), registry);
    }

    /** A typed consumer in {@code groupId}: manual commit, {@code read_committed}, earliest reset. */
    public <K, V> KafkaConsumer<K, V> consumer(String groupId, Deserializer<K> keys, Deserializer<V> values) {
        return new KafkaConsumer<>(consumerProperties(groupId), keys, values);
    }

    /** The properties {@link #consumer(String)} uses, for callers that build consumers themselves. */
    public Map<String, Object> consumerProperties(String groupId) {
        Objects.requireNonNull(groupId, "groupId");
        var props = base(ConsumerConfig.configNames());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId("consumer-" + groupId));
        force(props, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
        return props;
    }

    /** An idempotent byte-array producer ({@code acks=all}). */
    public KafkaProducer<byte[], byte[]> producer() {
        return producer(new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** An idempotent typed producer ({@code acks=all}). */
    public <K, V> KafkaProducer<K, V> producer(Serializer<K> keys, Serializer<V> values) {
        return new KafkaProducer<>(producerProperties(), keys, values);
    }

    /**
     * A transactional byte-array producer; the caller runs {@code initTransactions()}. The id must be
     * stable across restarts of the same logical producer so the broker fences zombies.
     */
    public KafkaProducer<byte[], byte[]> transactionalProducer(String transactionalId) {
        var props = producerProperties();
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, Objects.requireNonNull(transactionalId, "transactionalId"));
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** The properties {@link #producer()} uses. */
    public Map<String, Object> producerProperties() {
        var props = base(ProducerConfig.configNames());
        props.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId("producer"));
        force(props, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        force(props, ProducerConfig.ACKS_CONFIG, "all");
        return props;
    }

    public Admin admin() {
        var props = base(AdminClientConfig.configNames());
        props.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId("admin"));
        return Admin.create(props);
    }

    /**
     * The base of a Kafka Streams app's properties: {@code application.id}, bootstrap servers,
     * {@code exactly_once_v2}, state under {@code data.dir/streams}, a small commit interval,
     * internal topics at {@code topics.replication-factor}, a dead letter that cannot be written
     * logged instead of stopping the app ({@link io.prefstream.platform.deadletter.DeadLetterProductionHandler}),
     * and every passthrough property. The
     * caller adds serdes and app-specific settings.
     */
    public Properties streamsProperties(String applicationId) {
        var props = new Properties();
        props.putAll(config.kafkaProperties());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, Objects.requireNonNull(applicationId, "applicationId"));
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(
                StreamsConfig.STATE_DIR_CONFIG,
                config.dataDir().resolve("streams").toAbsolutePath().toString());
        props.putIfAbsent(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Integer.toString(STREAMS_COMMIT_INTERVAL_MS));
        props.putIfAbsent(StreamsConfig.REPLICATION_FACTOR_CONFIG, Short.toString(config.topicReplicationFactor()));
        props.putIfAbsent(
                StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG,
                io.prefstream.platform.deadletter.DeadLetterProductionHandler.class.getName());
        var guarantee = config.kafkaProperties().get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG);
        if (guarantee != null && !guarantee.equals(StreamsConfig.EXACTLY_ONCE_V2)) {
            throw new ConfigException(
                    ConfigLoader.KAFKA_PREFIX + StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
                    "Invalid value '" + guarantee + "' for " + ConfigLoader.KAFKA_PREFIX
                            + StreamsConfig.PROCESSING_GUARANTEE_CONFIG + ": expected " + StreamsConfig.EXACTLY_ONCE_V2
                            + " (Prefstream relies on it), or leave it unset");
        }
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        return props;
    }

    private Map<String, Object> base(Set<String> known) {
        var props = new HashMap<String, Object>();
        config.kafkaProperties().forEach((k, v) -> {
            if (known.contains(k) || !ALL_CLIENT_KEYS.contains(k)) {
                props.put(k, v);
            }
        });
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        return props;
    }

    private static void force(Map<String, Object> props, String key, String value) {
        Object found = props.put(key, value);
        if (found != null && !found.toString().equalsIgnoreCase(value)) {
            throw new ConfigException(
                    ConfigLoader.KAFKA_PREFIX + key,
                    "Invalid value '" + found + "' for "
                            + ConfigLoader.KAFKA_PREFIX + key + ": expected " + value
                            + " (Prefstream's delivery guarantees rely on it), or leave it unset");
        }
    }

    private String clientId(String role) {
        return config.serviceId() + "-" + role + "-" + clientSeq.incrementAndGet();
    }

    private static Set<String> allClientKeys() {
        var keys = new HashSet<String>();
        keys.addAll(ConsumerConfig.configNames());
        keys.addAll(ProducerConfig.configNames());
        keys.addAll(AdminClientConfig.configNames());
        return Set.copyOf(keys);
    }
}
