package io.prefstream.platform.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    enum Mode {
        SYNC,
        ASYNC_STREAMING
    }

    static final Setting<Integer> BATCH_SIZE =
            Setting.integer("generator.batch-size", 16, 1, 1024, "Prompts sampled together");
    static final Setting<Double> BETA = Setting.doubleValue("trainer.beta", 0.1, 0.0, 10.0, "DPO beta");
    static final Setting<Mode> MODE = Setting.enumValue("generator.mode", Mode.class, Mode.SYNC, "Pacing mode");
    static final Setting<Boolean> UI = Setting.bool("labeler.ui.enabled", false, "Serve the labeling UI");
    static final Setting<String> RUN = Setting.string("run.name", null, "Required run name");
    static final SettingSet GENERATOR = CommonSettings.ALL.plus(BATCH_SIZE, MODE);

    @TempDir
    Path dir;

    private ConfigLoader generator() {
        return ConfigLoader.forSettings(GENERATOR).withEnv(Map.of());
    }

    @Test
    void defaultsApplyWhenNothingIsSet() {
        var config = generator().load();
        assertEquals(16, config.get(BATCH_SIZE));
        assertEquals(Mode.SYNC, config.get(MODE));
        assertEquals("localhost:9092", config.get(CommonSettings.BOOTSTRAP_SERVERS));
        assertEquals(3, config.get(CommonSettings.TOPIC_PARTITIONS));
        assertEquals("default", config.sourceOf(BATCH_SIZE));
        var common = CommonConfig.from(config);
        assertEquals("mock://prefstream", common.schemaRegistryUrl());
        assertEquals((short) 1, common.topicReplicationFactor());
        assertEquals(0, common.metricsPort());
    }

    @Test
    void laterSourcesWinProfileFileEnvFlags() throws Exception {
        Path file = dir.resolve("prefstream.yaml");
        Files.writeString(file, """
                generator:
                  batch-size: 32
                  mode: async-streaming
                topics:
                  partitions: 6
                  replication-factor: 2
                service.id: from-file
                """);
        var config = generator()
                .withProfile(Map.of("generator.batch-size", "4", "topics.partitions", "1", "metrics.port", "9400"))
                .withFile(file)
                .withEnv(Map.of(
                        "PREFSTREAM_TOPICS_PARTITIONS", "12", "PREFSTREAM_SERVICE_ID", "from-env", "HOME", "/root"))
                .withOverrides(Map.of("service.id", "from-flag"))
                .load();
        assertEquals(9400, config.get(CommonSettings.METRICS_PORT)); // profile
        assertEquals(32, config.get(BATCH_SIZE)); // file over profile
        assertEquals(Mode.ASYNC_STREAMING, config.get(MODE)); // file, enum spelling
        assertEquals(2, config.get(CommonSettings.TOPIC_REPLICATION_FACTOR)); // file
        assertEquals(12, config.get(CommonSettings.TOPIC_PARTITIONS)); // env over file and profile
        assertEquals("from-flag", config.get(CommonSettings.SERVICE_ID)); // flag over env and file
        assertEquals("profile", config.sourceOf(CommonSettings.METRICS_PORT));
        assertEquals("file " + file, config.sourceOf(BATCH_SIZE));
        assertEquals("env PREFSTREAM_TOPICS_PARTITIONS", config.sourceOf(CommonSettings.TOPIC_PARTITIONS));
        assertEquals("flag --service.id", config.sourceOf(CommonSettings.SERVICE_ID));
    }

    @Test
    void propertiesFileAndConfigFileFromEnv() throws Exception {
        Path file = dir.resolve("svc.properties");
        Files.writeString(file, "generator.batch-size=64\nkafka.linger.ms=5\n");
        var config = generator()
                .withEnv(Map.of("PREFSTREAM_CONFIG", file.toString()))
                .load();
        assertEquals(64, config.get(BATCH_SIZE));
        assertEquals(Map.of("linger.ms", "5"), config.kafkaProperties());
    }

    @Test
    void envNamesFollowTheKeyMapping() {
        assertEquals("PREFSTREAM_GENERATOR_BATCH_SIZE", BATCH_SIZE.envName());
        assertEquals("PREFSTREAM_TOPICS_REPLICATION_FACTOR", CommonSettings.TOPIC_REPLICATION_FACTOR.envName());
        assertEquals(
                List.of(
                        "PREFSTREAM_BOOTSTRAP_SERVERS",
                        "PREFSTREAM_SCHEMA_REGISTRY_URL",
                        "PREFSTREAM_SERVICE_ID",
                        "PREFSTREAM_METRICS_PORT",
                        "PREFSTREAM_DATA_DIR",
                        "PREFSTREAM_TOPICS_PARTITIONS",
                        "PREFSTREAM_TOPICS_REPLICATION_FACTOR",
                        "PREFSTREAM_TOPICS_RETENTION_MS",
                        "PREFSTREAM_GENERATOR_BATCH_SIZE",
                        "PREFSTREAM_GENERATOR_MODE"),
                GENERATOR.envNames());
        var config = generator()
                .withEnv(Map.of("PREFSTREAM_GENERATOR_BATCH_SIZE", " 8 "))
                .load();
        assertEquals(8, config.get(BATCH_SIZE));
    }

    @Test
    void kafkaKeysPassThroughFromEveryLayer() throws Exception {
        Path file = dir.resolve("k.yaml");
        Files.writeString(
                file, "kafka:\n  security.protocol: SASL_SSL\n  ssl:\n    truststore:\n      location: /etc/ts.jks\n");
        var config = generator()
                .withFile(file)
                .withEnv(Map.of("PREFSTREAM_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512"))
                .withOverrides(Map.of("kafka.sasl.jaas.config", "secret-stuff"))
                .load();
        assertEquals(
                Map.of(
                        "security.protocol",
                        "SASL_SSL",
                        "ssl.truststore.location",
                        "/etc/ts.jks",
                        "sasl.mechanism",
                        "SCRAM-SHA-512",
                        "sasl.jaas.config",
                        "secret-stuff"),
                config.kafkaProperties());
        assertTrue(config.describe().contains("kafka.sasl.jaas.config = ******"), config.describe());
    }

    @Test
    void unknownKeysFailNamingTheKeyTheSourceAndTheKnownKeys() throws Exception {
        var flag = assertThrows(
                ConfigException.class,
                () -> generator()
                        .withOverrides(Map.of("generator.batchsize", "8"))
                        .load());
        assertEquals("generator.batchsize", flag.key());
        assertTrue(
                flag.getMessage()
                        .startsWith(
                                "Unknown setting 'generator.batchsize' = '8' (from flag "
                                        + "--generator.batchsize). Did you mean 'generator.batch-size'? Known keys: bootstrap.servers, "),
                flag.getMessage());

        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "trainer:\n  beta: 0.2\n");
        var fromFile = assertThrows(
                ConfigException.class, () -> generator().withFile(file).load());
        assertTrue(
                fromFile.getMessage().startsWith("Unknown setting 'trainer.beta' = '0.2' (from file " + file + ")"),
                fromFile.getMessage());

        var fromEnv = assertThrows(
                ConfigException.class,
                () -> generator()
                        .withEnv(Map.of("PREFSTREAM_GENERATOR_BATCHSIZE", "8"))
                        .load());
        assertTrue(
                fromEnv.getMessage()
                        .startsWith("Unknown environment variable PREFSTREAM_GENERATOR_BATCHSIZE='8'"
                                + ": it starts with PREFSTREAM_ but names no setting of this process. "
                                + "Did you mean 'PREFSTREAM_GENERATOR_BATCH_SIZE'?"),
                fromEnv.getMessage());
    }

    @Test
    void envIsCheckedAgainstTheUnionOfServicesInOneProcess() {
        var trainer = CommonSettings.ALL.plus(BETA);
        var env = Map.of(
                "PREFSTREAM_TRAINER_BETA",
                "0.5",
                "PREFSTREAM_GENERATOR_BATCH_SIZE",
                "8",
                "PREFSTREAM_JAVA_OPTS",
                "-Xmx1g");
        assertThrows(
                ConfigException.class,
                () -> ConfigLoader.forSettings(GENERATOR).withEnv(env).load());
        var all = ConfigLoader.forSettings(SettingSet.union(GENERATOR, trainer))
                .withEnv(env)
                .load();
        assertEquals(0.5, all.get(BETA));
        assertEquals(8, all.get(BATCH_SIZE));
    }

    @Test
    void invalidValuesNameKeyValueSourceAndWhatIsAllowed() {
        var range = assertThrows(
                ConfigException.class,
                () -> generator()
                        .withEnv(Map.of("PREFSTREAM_GENERATOR_BATCH_SIZE", "0"))
                        .load());
        assertEquals(
                "Invalid value '0' for generator.batch-size (from env PREFSTREAM_GENERATOR_BATCH_SIZE): "
                        + "expected an integer in [1, 1024].",
                range.getMessage());

        var typed = assertThrows(
                ConfigException.class,
                () -> generator()
                        .withOverrides(Map.of("generator.batch-size", "0"), "--set")
                        .load());
        assertEquals(
                "Invalid value '0' for generator.batch-size (from flag --set generator.batch-size=0): "
                        + "expected an integer in [1, 1024].",
                typed.getMessage());

        var malformed = assertThrows(
                ConfigException.class,
                () -> generator()
                        .withOverrides(Map.of("generator.batch-size", "many"))
                        .load());
        assertEquals(
                "Invalid value 'many' for generator.batch-size (from flag --generator.batch-size): "
                        + "expected an integer in [1, 1024].",
                malformed.getMessage());

        var enumValue = assertThrows(
                ConfigException.class,
                () -> generator()
                        .withOverrides(Map.of("generator.mode", "fast"))
                        .load());
        assertEquals(
                "Invalid value 'fast' for generator.mode (from flag --generator.mode): "
                        + "expected one of sync, async_streaming.",
                enumValue.getMessage());

        var bool = assertThrows(
                ConfigException.class,
                () -> ConfigLoader.forSettings(SettingSet.of(UI))
                        .withEnv(Map.of())
                        .withOverrides(Map.of("labeler.ui.enabled", "yes"))
                        .load());
        assertEquals(
                "Invalid value 'yes' for labeler.ui.enabled (from flag --labeler.ui.enabled): "
                        + "expected true or false.",
                bool.getMessage());

        var retention = assertThrows(
                ConfigException.class,
                () -> generator()
                        .withOverrides(Map.of("topics.retention-ms", "0"))
                        .load());
        assertEquals(
                "Invalid value '0' for topics.retention-ms (from flag --topics.retention-ms): "
                        + "expected -1 (forever) or a positive number of milliseconds.",
                retention.getMessage());
    }

    @Test
    void requiredSettingWithoutValueFails() {
        var e = assertThrows(
                ConfigException.class,
                () -> ConfigLoader.forSettings(SettingSet.of(RUN))
                        .withEnv(Map.of())
                        .load());
        assertEquals(
                "Missing required setting run.name (Required run name): set it in the config file, with env "
                        + "PREFSTREAM_RUN_NAME or with --run.name=...",
                e.getMessage());
        assertEquals(
                "r1",
                ConfigLoader.forSettings(SettingSet.of(RUN))
                        .withEnv(Map.of("PREFSTREAM_RUN_NAME", "r1"))
                        .load()
                        .get(RUN));
    }

    @Test
    void undeclaredSettingCannotBeRead() {
        var config = generator().load();
        var e = assertThrows(IllegalArgumentException.class, () -> config.get(BETA));
        assertTrue(e.getMessage().startsWith("Setting trainer.beta was not declared to the ConfigLoader"));
    }

    @Test
    void conflictingDefinitionsOfOneKeyAreRejected() {
        var other = Setting.integer("generator.batch-size", 8, "another definition");
        var e = assertThrows(IllegalArgumentException.class, () -> SettingSet.of(BATCH_SIZE, other));
        assertTrue(e.getMessage().startsWith("Setting generator.batch-size is declared twice"), e.getMessage());
        assertEquals(GENERATOR, SettingSet.union(GENERATOR, CommonSettings.ALL));
    }

    @Test
    void malformedFilesAreReported() throws Exception {
        Path txt = dir.resolve("config.txt");
        Files.writeString(txt, "x=1");
        assertEquals(
                "Config file " + txt + " has an unsupported extension: expected .properties, .yaml or .yml",
                assertThrows(
                                ConfigException.class,
                                () -> generator().withFile(txt).load())
                        .getMessage());
        Path list = dir.resolve("list.yaml");
        Files.writeString(list, "- a\n- b\n");
        assertEquals(
                "Config file " + list + " must hold a YAML mapping of keys to values, found a ARRAY",
                assertThrows(
                                ConfigException.class,
                                () -> generator().withFile(list).load())
                        .getMessage());
        Path missing = dir.resolve("nope.yaml");
        assertTrue(assertThrows(
                        ConfigException.class,
                        () -> generator().withFile(missing).load())
                .getMessage()
                .contains("does not exist"));
    }

    @Test
    void serviceRecordValidatesCrossFieldRulesWithTheSameMessageShape() {
        var e = assertThrows(
                ConfigException.class, () -> new CommonConfig("", "mock://x", "s", 0, dir, 1, (short) 1, -1, Map.of()));
        assertEquals(
                "Invalid value '' for bootstrap.servers (env PREFSTREAM_BOOTSTRAP_SERVERS): expected "
                        + "host:port[,host:port...].",
                e.getMessage());
    }

    @Test
    void documentationListsEveryKey() {
        String doc = GENERATOR.documentation();
        assertTrue(
                doc.contains("| `generator.batch-size` | `PREFSTREAM_GENERATOR_BATCH_SIZE` | integer | `16` | "
                        + "Prompts sampled together (an integer in [1, 1024]) |"),
                doc);
        assertEquals(GENERATOR.settings().size() + 2, doc.lines().count());
    }

    @Test
    void flagsParseInBothFormsAndRejectStrayArguments() {
        assertEquals(
                Map.of("generator.batch-size", "8", "kafka.linger.ms", "5", "service.id", "gen"),
                ConfigLoader.parseFlags(
                        List.of("--generator.batch-size=8", "--kafka.linger.ms", "5", "--service.id=gen")));
        assertEquals(
                "Unexpected argument 'batch=8': expected --key=value or --key value",
                assertThrows(ConfigException.class, () -> ConfigLoader.parseFlags(List.of("batch=8")))
                        .getMessage());
        assertEquals(
                "Flag '--service.id' has no value: expected --service.id=value",
                assertThrows(ConfigException.class, () -> ConfigLoader.parseFlags(List.of("--service.id")))
                        .getMessage());
    }
}
