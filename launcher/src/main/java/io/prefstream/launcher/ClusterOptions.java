package io.prefstream.launcher;

import io.prefstream.platform.config.CommonConfig;
import io.prefstream.platform.config.CommonSettings;
import io.prefstream.platform.kafka.KafkaClients;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import picocli.CommandLine.Option;

/**
 * Where a command finds Kafka and the Schema Registry. The defaults are the addresses
 * {@code prefstream up} serves on, so every command works against a local stack unchanged.
 */
public final class ClusterOptions {

    public static final String DEFAULT_BOOTSTRAP = "localhost:9092";
    public static final String DEFAULT_REGISTRY = "http://localhost:8081";

    /** A CLI gives up on an unreachable cluster after seconds, not the clients' default minute. */
    private static final Map<String, String> CLI_CLIENT_PROPERTIES =
            Map.of("default.api.timeout.ms", "15000", "request.timeout.ms", "10000");

    private static final long REACHABLE_TIMEOUT_MS = 5000;

    @Option(
            names = "--bootstrap",
            paramLabel = "HOST:PORT",
            defaultValue = "${env:PREFSTREAM_BOOTSTRAP_SERVERS:-" + DEFAULT_BOOTSTRAP + "}",
            description = "Kafka bootstrap servers (env PREFSTREAM_BOOTSTRAP_SERVERS).")
    String bootstrap;

    @Option(
            names = "--registry",
            paramLabel = "URL",
            defaultValue = "${env:PREFSTREAM_SCHEMA_REGISTRY_URL:-" + DEFAULT_REGISTRY + "}",
            description = "Schema Registry URL, http://... (env PREFSTREAM_SCHEMA_REGISTRY_URL).")
    String registry;

    public String bootstrap() {
        return bootstrap;
    }

    public String registry() {
        return registry;
    }

    /** Common settings for a short-lived CLI client of this cluster. */
    public CommonConfig commonConfig(String serviceId) {
        return new CommonConfig(
                bootstrap,
                registry,
                serviceId,
                0,
                Path.of("."),
                CommonSettings.TOPIC_PARTITIONS.defaultValue(),
                (short) 1,
                CommonSettings.TOPIC_RETENTION_MS.defaultValue(),
                CLI_CLIENT_PROPERTIES);
    }

    /**
     * Fails within {@value #REACHABLE_TIMEOUT_MS} ms when no broker answers at {@code --bootstrap},
     * naming the address, instead of a client's "Failed to find brokers" after its full timeout.
     */
    public void requireReachable(Admin admin) {
        try {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) REACHABLE_TIMEOUT_MS))
                    .clusterId()
                    .get(REACHABLE_TIMEOUT_MS + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting to " + bootstrap, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(
                    "no Kafka broker answered at --bootstrap " + bootstrap + " within "
                            + REACHABLE_TIMEOUT_MS / 1000
                            + " s; is 'prefstream up' (or your cluster) running? Point --bootstrap "
                            + "or PREFSTREAM_BOOTSTRAP_SERVERS at it",
                    e);
        }
    }

    public KafkaClients clients(String serviceId) {
        return new KafkaClients(commonConfig(serviceId));
    }
}
