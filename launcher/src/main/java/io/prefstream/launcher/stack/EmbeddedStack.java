package io.prefstream.launcher.stack;

import io.prefstream.platform.config.CommonConfig;
import io.prefstream.platform.kafka.EmbeddedKafka;
import io.prefstream.platform.kafka.KafkaClients;
import io.prefstream.platform.topics.TopicProvisioner;
import io.prefstream.schemas.registry.SchemaRegistryServer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The infrastructure the all-in-one commands run on: a KRaft broker in this JVM (log under
 * {@code <data-dir>/kafka}), a Schema Registry served over HTTP on loopback (journal under
 * {@code <data-dir>/registry}, so subjects and ids survive a restart on the same directory), and
 * every catalogue topic provisioned. Both listen on loopback only.
 */
public final class EmbeddedStack implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedStack.class);

    private final EmbeddedKafka kafka;
    private final SchemaRegistryServer registry;
    private final CommonConfig config;

    private EmbeddedStack(EmbeddedKafka kafka, SchemaRegistryServer registry, CommonConfig config) {
        this.kafka = kafka;
        this.registry = registry;
        this.config = config;
    }

    /**
     * Starts broker and registry and provisions topics.
     *
     * @param dataDir      run directory; the broker log, registry journal and service state live under it
     * @param kafkaPort    broker port, 0 for a free one
     * @param registryPort registry port, 0 for a free one
     * @param partitions   partitions of topics that do not fix their own count
     */
    public static EmbeddedStack start(Path dataDir, int kafkaPort, int registryPort, int partitions) {
        return start(dataDir, kafkaPort, 0, registryPort, partitions);
    }

    /** As {@link #start(Path, int, int, int)}, with the KRaft controller on {@code controllerPort} (0 = free). */
    public static EmbeddedStack start(
            Path dataDir, int kafkaPort, int controllerPort, int registryPort, int partitions) {
        Objects.requireNonNull(dataDir, "dataDir");
        EmbeddedKafka kafka = EmbeddedKafka.builder()
                .dataDir(dataDir.resolve("kafka"))
                .brokerPort(kafkaPort)
                .controllerPort(controllerPort)
                .start();
        SchemaRegistryServer registry = null;
        try {
            registry =
                    SchemaRegistryServer.persistent(dataDir.resolve("registry")).start(registryPort);
            var config = new CommonConfig(
                    kafka.bootstrapServers(),
                    registry.url(),
                    "prefstream",
                    0,
                    dataDir,
                    partitions,
                    (short) 1,
                    -1,
                    Map.of());
            var clients = new KafkaClients(config);
            try (var admin = clients.admin()) {
                var result = TopicProvisioner.from(admin, config).ensureAll();
                log.info("Topics created {}, already present {}", result.created(), result.existing());
            }
            return new EmbeddedStack(kafka, registry, config);
        } catch (RuntimeException e) {
            if (registry != null) {
                registry.close();
            }
            kafka.close();
            throw e;
        }
    }

    /** Common settings pointing at this stack (service id {@code prefstream}; use {@code withServiceId}). */
    public CommonConfig config() {
        return config;
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    public String registryUrl() {
        return registry.url();
    }

    public KafkaClients clients() {
        return new KafkaClients(config);
    }

    /** Stops the registry, then the broker. */
    @Override
    public void close() {
        try {
            registry.close();
        } finally {
            kafka.close();
        }
    }
}
