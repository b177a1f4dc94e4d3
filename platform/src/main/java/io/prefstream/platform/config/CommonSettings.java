package io.prefstream.platform.config;

import java.nio.file.Path;

/**
 * Settings every Prefstream service shares: where Kafka and the Schema Registry are, who this
 * process is, where it keeps local state, how topics are created. A service's own
 * {@link SettingSet} starts from {@link #ALL}: {@code CommonSettings.ALL.plus(MY_SETTING, ...)}.
 */
public final class CommonSettings {

    private CommonSettings() {}

    public static final Setting<String> BOOTSTRAP_SERVERS =
            Setting.string("bootstrap.servers", "localhost:9092", "Kafka bootstrap servers, host:port[,host:port...]");
    public static final Setting<String> SCHEMA_REGISTRY_URL = Setting.string(
            "schema.registry.url",
            "mock://prefstream",
            "Schema Registry URL; mock://<scope> selects an in-memory registry");
    public static final Setting<String> SERVICE_ID = Setting.string(
                    "service.id",
                    "prefstream",
                    "Identity of this process: prefix of consumer groups, transactional ids and the Streams application id")
            .validatedBy(s -> s.matches("[A-Za-z0-9._-]+"), "letters, digits, '.', '_' or '-' only");
    public static final Setting<Integer> METRICS_PORT = Setting.integer(
            "metrics.port", 0, 0, 65535, "Port of the /metrics and /health HTTP endpoint; 0 turns it off");
    public static final Setting<Path> DATA_DIR = Setting.path(
            "data.dir",
            Path.of("prefstream-data"),
            "Directory for local state: Kafka Streams stores, checkpoints, caches");
    public static final Setting<Integer> TOPIC_PARTITIONS = Setting.integer(
            "topics.partitions",
            3,
            1,
            10_000,
            "Partitions of topics created by the provisioner, unless a topic fixes its own count");
    public static final Setting<Integer> TOPIC_REPLICATION_FACTOR = Setting.integer(
            "topics.replication-factor", 1, 1, 32, "Replication factor of topics created by the provisioner");
    public static final Setting<Long> TOPIC_RETENTION_MS = Setting.longValue(
                    "topics.retention-ms",
                    604_800_000L,
                    -1,
                    Long.MAX_VALUE,
                    "retention.ms of delete-policy topics created by the provisioner; -1 keeps data forever")
            .validatedBy(v -> v == -1 || v > 0, "-1 (forever) or a positive number of milliseconds");

    /** Every common setting, in the order above. */
    public static final SettingSet ALL = SettingSet.of(
            BOOTSTRAP_SERVERS,
            SCHEMA_REGISTRY_URL,
            SERVICE_ID,
            METRICS_PORT,
            DATA_DIR,
            TOPIC_PARTITIONS,
            TOPIC_REPLICATION_FACTOR,
            TOPIC_RETENTION_MS);
}
