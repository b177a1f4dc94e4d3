package io.prefstream.platform.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * The validated values of {@link CommonSettings} plus the {@code kafka.*} passthrough properties.
 * Service config records embed one and build it with {@link #from(ResolvedConfig)}.
 *
 * @param bootstrapServers        Kafka bootstrap servers
 * @param schemaRegistryUrl       Schema Registry URL ({@code mock://...} for in-memory)
 * @param serviceId               process identity, prefix of groups and transactional ids
 * @param metricsPort             HTTP port of /metrics and /health, 0 = off
 * @param dataDir                 local state directory
 * @param topicPartitions         default partitions of provisioned topics
 * @param topicReplicationFactor  replication factor of provisioned topics
 * @param topicRetentionMs        retention.ms of delete-policy topics, -1 = forever
 * @param kafkaProperties         extra Kafka client properties (SASL, TLS, tuning), keys without {@code kafka.}
 */
public record CommonConfig(
        String bootstrapServers,
        String schemaRegistryUrl,
        String serviceId,
        int metricsPort,
        Path dataDir,
        int topicPartitions,
        short topicReplicationFactor,
        long topicRetentionMs,
        Map<String, String> kafkaProperties) {

    public CommonConfig {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(schemaRegistryUrl, "schemaRegistryUrl");
        Objects.requireNonNull(serviceId, "serviceId");
        Objects.requireNonNull(dataDir, "dataDir");
        if (bootstrapServers.isBlank()) {
            throw ConfigException.invalid(
                    CommonSettings.BOOTSTRAP_SERVERS, bootstrapServers, "host:port[,host:port...]");
        }
        if (metricsPort < 0 || metricsPort > 65535) {
            throw ConfigException.invalid(CommonSettings.METRICS_PORT, metricsPort, "0 (off) or a port in [1, 65535]");
        }
        if (topicPartitions < 1) {
            throw ConfigException.invalid(CommonSettings.TOPIC_PARTITIONS, topicPartitions, "at least 1");
        }
        if (topicReplicationFactor < 1) {
            throw ConfigException.invalid(
                    CommonSettings.TOPIC_REPLICATION_FACTOR, topicReplicationFactor, "at least 1");
        }
        if (topicRetentionMs != -1 && topicRetentionMs <= 0) {
            throw ConfigException.invalid(
                    CommonSettings.TOPIC_RETENTION_MS, topicRetentionMs, "-1 or a positive number");
        }
        kafkaProperties = Map.copyOf(kafkaProperties);
    }

    /** Reads the common settings; {@code config} must have been loaded from a set containing {@link CommonSettings#ALL}. */
    public static CommonConfig from(ResolvedConfig config) {
        return new CommonConfig(
                config.get(CommonSettings.BOOTSTRAP_SERVERS),
                config.get(CommonSettings.SCHEMA_REGISTRY_URL),
                config.get(CommonSettings.SERVICE_ID),
                config.get(CommonSettings.METRICS_PORT),
                config.get(CommonSettings.DATA_DIR),
                config.get(CommonSettings.TOPIC_PARTITIONS),
                config.get(CommonSettings.TOPIC_REPLICATION_FACTOR).shortValue(),
                config.get(CommonSettings.TOPIC_RETENTION_MS),
                config.kafkaProperties());
    }

    /** Defaults pointed at {@code bootstrapServers} with state under {@code dataDir}: the usual test/dev config. */
    public static CommonConfig local(String bootstrapServers, Path dataDir) {
        return new CommonConfig(
                bootstrapServers,
                CommonSettings.SCHEMA_REGISTRY_URL.defaultValue(),
                "prefstream",
                0,
                dataDir,
                CommonSettings.TOPIC_PARTITIONS.defaultValue(),
                (short) 1,
                CommonSettings.TOPIC_RETENTION_MS.defaultValue(),
                Map.of());
    }

    /** A copy with another service id (e.g. one per service in the all-in-one launcher). */
    public CommonConfig withServiceId(String id) {
        return new CommonConfig(
                bootstrapServers,
                schemaRegistryUrl,
                id,
                metricsPort,
                dataDir,
                topicPartitions,
                topicReplicationFactor,
                topicRetentionMs,
                kafkaProperties);
    }

    /** A copy with extra Kafka client properties layered over the existing ones. */
    public CommonConfig withKafkaProperties(Map<String, String> extra) {
        var merged = new java.util.TreeMap<>(kafkaProperties);
        merged.putAll(extra);
        return new CommonConfig(
                bootstrapServers,
                schemaRegistryUrl,
                serviceId,
                metricsPort,
                dataDir,
                topicPartitions,
                topicReplicationFactor,
                topicRetentionMs,
                merged);
    }
}
