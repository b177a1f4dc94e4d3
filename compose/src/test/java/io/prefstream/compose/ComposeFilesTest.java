package io.prefstream.compose;

import static org.assertj.core.api.Assertions.assertThat;

import io.prefstream.generator.GeneratorSettings;
import io.prefstream.labeler.LabelerSettings;
import io.prefstream.platform.config.CommonSettings;
import io.prefstream.platform.config.Setting;
import io.prefstream.platform.config.SettingSet;
import io.prefstream.trainer.TrainerSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Static checks of the compose deployment (Docker does not run on development machines): every
 * {@code PREFSTREAM_*} variable a service gets is a configuration key of that service, every service
 * the docs name exists, host ports do not clash, and every image, volume and dependency referenced is
 * defined. The services' settings classes are the single source of truth for keys.
 */
class ComposeFilesTest {

    private static final Path DIR = Path.of(System.getProperty("compose.dir", "."));

    /** What each prefstream command reads from the environment. */
    private static final Map<String, SettingSet> SETTINGS_BY_COMMAND = Map.of(
            "generator", GeneratorSettings.ALL,
            "labeler", LabelerSettings.ALL,
            "trainer", TrainerSettings.ALL,
            "bootstrap", CommonSettings.ALL);

    /** Variables read by the JVM, DJL or the launcher script rather than a settings class. */
    private static final Set<String> NON_SETTING_ENV = Set.of(
            "JAVA_TOOL_OPTIONS",
            "PYTORCH_LIBRARY_PATH",
            "PYTORCH_VERSION",
            "PYTORCH_FLAVOR",
            "PREFSTREAM_CONFIG",
            "PREFSTREAM_JAVA_OPTS");

    private static final String PREFSTREAM_IMAGE = "prefstream";
    private static final String THREE_BROKERS = "docker-compose.3-brokers.yml";

    @Test
    void everyPrefstreamVariableIsAKeyOfItsService() throws IOException {
        var problems = new ArrayList<String>();
        var base = services(load("docker-compose.yml"));
        var gpu = services(load("docker-compose.gpu.yml"));
        var threeBrokers = services(load(THREE_BROKERS));
        int checked = 0;
        for (var file : List.of(base, gpu, threeBrokers)) {
            for (var entry : file.entrySet()) {
                String name = entry.getKey();
                var service = merged(base.get(name), entry.getValue());
                if (!isPrefstream(service)) {
                    continue;
                }
                var settings = settingsFor(name, service);
                var env = new LinkedHashMap<String, String>(environment(entry.getValue()));
                env.putAll(envFiles(entry.getValue()));
                for (var variable : env.entrySet()) {
                    checked++;
                    String key = variable.getKey();
                    if (NON_SETTING_ENV.contains(key) || key.startsWith(Setting.ENV_PREFIX + "KAFKA_")) {
                        continue;
                    }
                    var setting = settings.findByEnv(key);
                    if (setting.isEmpty()) {
                        problems.add(name + ": " + key + " is not a configuration key of '" + command(service)
                                + "' (known: " + settings.envNames() + ")");
                        continue;
                    }
                    try {
                        setting.get().parse(variable.getValue(), "compose service " + name);
                    } catch (RuntimeException e) {
                        problems.add(name + ": " + e.getMessage());
                    }
                }
            }
        }
        assertThat(problems).isEmpty();
        assertThat(checked).as("variables checked").isGreaterThan(20);
    }

    @Test
    void aMisspelledVariableWouldBeCaught() {
        assertThat(GeneratorSettings.ALL.findByEnv("PREFSTREAM_GENERATOR_BATCHSIZE"))
                .isEmpty();
        assertThat(GeneratorSettings.ALL.findByEnv("PREFSTREAM_GENERATOR_BATCH_SIZE"))
                .isPresent();
        assertThat(LabelerSettings.ALL.findByEnv("PREFSTREAM_TRAINER_OBJECTIVE"))
                .isEmpty();
    }

    @Test
    void referencesResolve() throws IOException {
        var problems = referenceProblems(load("docker-compose.yml"));
        problems.addAll(referenceProblems(withThreeBrokers()));
        var services = services(load("docker-compose.yml"));
        for (String name : services(load("docker-compose.gpu.yml")).keySet()) {
            if (!services.containsKey(name)) {
                problems.add("gpu override names unknown service " + name);
            }
        }
        assertThat(problems).isEmpty();
    }

    private static List<String> referenceProblems(Map<String, Object> root) throws IOException {
        var services = services(root);
        var volumes = keys(root.get("volumes"));
        var problems = new ArrayList<String>();
        for (var entry : services.entrySet()) {
            var service = entry.getValue();
            if (!service.containsKey("image") && !service.containsKey("build")) {
                problems.add(entry.getKey() + ": neither image nor build");
            }
            Object image = service.get("image");
            if (image != null && !String.valueOf(image).contains(":")
                    || String.valueOf(image).endsWith(":latest")) {
                problems.add(entry.getKey() + ": image " + image + " must be pinned to a tag other than latest");
            }
            for (Object mount : list(service.get("volumes"))) {
                String source = String.valueOf(mount).split(":")[0];
                if (!source.startsWith(".") && !source.startsWith("/") && !volumes.contains(source)) {
                    problems.add(entry.getKey() + ": volume " + source + " is not declared under volumes:");
                }
                if (source.startsWith(".") && !Files.exists(DIR.resolve(source))) {
                    problems.add(entry.getKey() + ": bind mount " + source + " does not exist");
                }
            }
            for (String dependency : keys(service.get("depends_on"))) {
                if (!services.containsKey(dependency)) {
                    problems.add(entry.getKey() + ": depends_on unknown service " + dependency);
                }
            }
            if (service.get("build") instanceof Map<?, ?> build) {
                Path dockerfile = DIR.resolve(String.valueOf(build.get("context")))
                        .resolve(String.valueOf(build.get("dockerfile")));
                if (!Files.exists(dockerfile)) {
                    problems.add(entry.getKey() + ": Dockerfile " + dockerfile + " missing");
                } else if (!Files.readString(dockerfile).contains(" AS " + build.get("target"))) {
                    problems.add(entry.getKey() + ": Dockerfile has no stage " + build.get("target"));
                }
            }
        }
        return problems;
    }

    @Test
    void servicesStartInOrderAndHaveHealthChecks() throws IOException {
        var services = services(load("docker-compose.yml"));
        for (String name : List.of("generator", "labeler", "trainer")) {
            var dependsOn = (Map<?, ?>) services.get(name).get("depends_on");
            assertThat(((Map<?, ?>) dependsOn.get("bootstrap")).get("condition"))
                    .as(name + " waits for bootstrap")
                    .isEqualTo("service_completed_successfully");
            assertThat(services.get(name)).as(name + " health check").containsKey("healthcheck");
        }
        assertThat(keys(services.get("bootstrap").get("depends_on"))).contains("kafka", "schema-registry");
        assertThat(((Map<?, ?>) services.get("generator").get("deploy")).get("replicas"))
                .isEqualTo(1);
    }

    @Test
    void hostPortsDoNotClash() throws IOException {
        assertThat(hostPorts(load("docker-compose.yml"))).containsKeys("8080", "8081", "9090");
        assertThat(hostPorts(withThreeBrokers())).containsKeys("29092", "29093", "29094");
    }

    /** Host port to service; fails on a port two services publish. */
    private static Map<String, String> hostPorts(Map<String, Object> root) {
        var seen = new HashMap<String, String>();
        var clashes = new ArrayList<String>();
        for (var entry : services(root).entrySet()) {
            for (Object port : list(entry.getValue().get("ports"))) {
                String[] parts = String.valueOf(port).split(":");
                String host = parts.length == 1 ? parts[0] : parts[parts.length - 2];
                String previous = seen.put(host, entry.getKey());
                if (previous != null) {
                    clashes.add(host + " used by " + previous + " and " + entry.getKey());
                }
            }
        }
        assertThat(clashes).isEmpty();
        return seen;
    }

    @Test
    void everyServiceTheReadmeNamesExists() throws IOException {
        String readme = Files.readString(DIR.resolve("README.md"));
        var services = services(withThreeBrokers()).keySet();
        var named = new TreeSet<String>();
        var subcommands =
                Set.of("up", "logs", "restart", "stop", "start", "kill", "exec", "run", "ps", "down", "build");
        for (String line : readme.lines()
                .map(String::strip)
                .filter(l -> l.startsWith("docker compose"))
                .toList()) {
            String[] words = line.replaceAll("#.*", "").trim().split("\\s+");
            boolean afterSubcommand = false;
            for (int i = 2; i < words.length; i++) {
                if (words[i].equals("-f") || words[i].equals("--scale")) {
                    i++;
                } else if (!afterSubcommand) {
                    afterSubcommand = subcommands.contains(words[i]);
                } else if (!words[i].startsWith("-")) {
                    named.add(words[i]);
                }
            }
        }
        var scale = Pattern.compile("--scale ([a-z][\\w-]*)=").matcher(readme);
        while (scale.find()) {
            named.add(scale.group(1));
        }
        var table = Pattern.compile("(?m)^\\| `([a-z][\\w-]*)` \\|").matcher(readme);
        while (table.find()) {
            named.add(table.group(1));
        }
        assertThat(named).as("services named in compose/README.md").isNotEmpty();
        assertThat(services).containsAll(named);
        assertThat(named).containsAll(services);
    }

    @Test
    void secretsAreNotBakedIntoImagesOrCommitted() throws IOException {
        String dockerfile = Files.readString(DIR.resolve("Dockerfile"));
        assertThat(dockerfile).doesNotContain("LABELER_TOKENS");
        String compose = Files.readString(DIR.resolve("docker-compose.yml"));
        assertThat(compose).doesNotContain("PREFSTREAM_LABELER_TOKENS:");
        var labeler = services(load("docker-compose.yml")).get("labeler");
        assertThat(envFiles(labeler)).containsKey("PREFSTREAM_LABELER_TOKENS");
        assertThat(dockerfile).contains("USER prefstream");
    }

    /**
     * Issue 18: the labeler listens on loopback unless told otherwise, which inside a container no
     * published port reaches; compose must set every interface.
     */
    @Test
    void theLabelerListensOnEveryInterfaceInsideItsContainer() throws IOException {
        assertThat(LabelerSettings.HTTP_HOST.defaultValue()).isEqualTo("127.0.0.1");
        var labeler = services(load("docker-compose.yml")).get("labeler");
        assertThat(environment(labeler)).containsEntry(LabelerSettings.HTTP_HOST.envName(), "0.0.0.0");
    }

    @Test
    void everyComposeVariableHasADefaultAndIsDocumented() throws IOException {
        String compose = Files.readString(DIR.resolve("docker-compose.yml")).replaceAll("(?m)^\\s*#.*$", "");
        String readme = Files.readString(DIR.resolve("README.md"));
        var variables = new TreeSet<String>();
        var m = INTERPOLATION.matcher(compose);
        while (m.find()) {
            assertThat(m.group(3)).as("${" + m.group(1) + "} needs a default").isNotNull();
            variables.add(m.group(1));
        }
        assertThat(variables).containsExactlyInAnyOrder("PROMPT_PARTITIONS", "KAFKA_EXTERNAL_HOST");
        var override = INTERPOLATION.matcher(
                Files.readString(DIR.resolve(THREE_BROKERS)).replaceAll("(?m)^\\s*#.*$", ""));
        while (override.find()) {
            assertThat(override.group(3))
                    .as("${" + override.group(1) + "} needs a default")
                    .isNotNull();
            assertThat(variables).as(THREE_BROKERS + " variables").contains(override.group(1));
        }
        for (String v : variables) {
            assertThat(readme).as("compose/README.md documents " + v).contains("`" + v + "`");
        }
        var bootstrap = environment(services(load("docker-compose.yml")).get("bootstrap"));
        assertThat(bootstrap.get("PREFSTREAM_TOPICS_PARTITIONS"))
                .as("default prompt partitions")
                .isEqualTo("3");
        assertThat(services(load("docker-compose.yml"))
                        .get("bootstrap")
                        .get("environment")
                        .toString())
                .contains("PREFSTREAM_TOPICS_PARTITIONS=${PROMPT_PARTITIONS:-3}");
    }

    @Test
    void theRequiredComposeVersionIsStated() throws IOException {
        assertThat(Files.readString(DIR.resolve("docker-compose.yml"))).contains("required: false");
        assertThat(Files.readString(DIR.resolve("README.md"))).contains("Docker Compose 2.24 or newer");
    }

    /**
     * The 3-broker override is one cluster (same id and voters on every node, distinct node ids and
     * ports), replicates every topic 3 ways with {@code min.insync.replicas=2} and no unclean
     * election, and every service that creates topics or runs Streams talks to all three brokers
     * and creates its topics at replication factor 3 (the settings ThreeBrokerClusterTest runs with).
     */
    @Test
    void threeBrokerOverrideReplicatesEveryTopicThreeWays() throws IOException {
        var merged = services(withThreeBrokers());
        var brokers = List.of("kafka", "kafka-2", "kafka-3");
        var volumes = Map.of("kafka", "kafka-1-data", "kafka-2", "kafka-2-data", "kafka-3", "kafka-3-data");
        var nodeIds = new TreeSet<String>();
        for (String name : brokers) {
            var env = environment(merged.get(name));
            assertThat(merged.get(name).get("image")).as(name).isEqualTo("apache/kafka:4.1.1");
            assertThat(merged.get(name)).as(name + " health check").containsKey("healthcheck");
            nodeIds.add(env.get("KAFKA_NODE_ID"));
            assertThat(env)
                    .as(name)
                    .containsEntry(
                            "CLUSTER_ID", environment(merged.get("kafka")).get("CLUSTER_ID"))
                    .containsEntry("KAFKA_PROCESS_ROLES", "broker,controller")
                    .containsEntry("KAFKA_CONTROLLER_QUORUM_VOTERS", "1@kafka:9093,2@kafka-2:9093,3@kafka-3:9093")
                    .containsEntry("KAFKA_DEFAULT_REPLICATION_FACTOR", "3")
                    .containsEntry("KAFKA_MIN_INSYNC_REPLICAS", "2")
                    .containsEntry("KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE", "false")
                    .containsEntry("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "3")
                    .containsEntry("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "3")
                    .containsEntry("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "2")
                    .containsEntry("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false");
            assertThat(env.get("KAFKA_ADVERTISED_LISTENERS")).startsWith("PLAINTEXT://" + name + ":9092,");
            assertThat(list(merged.get(name).get("volumes")))
                    .map(String::valueOf)
                    .as(name + " has a volume of its own, not the single broker's")
                    .containsExactly(volumes.get(name) + ":/var/lib/kafka/data");
        }
        assertThat(nodeIds).containsExactly("1", "2", "3");
        assertThat(environment(merged.get("schema-registry")).get("SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS"))
                .isEqualTo("PLAINTEXT://kafka:9092,PLAINTEXT://kafka-2:9092,PLAINTEXT://kafka-3:9092");
        for (String name : List.of("schema-registry", "bootstrap")) {
            assertThat(keys(merged.get(name).get("depends_on")))
                    .as(name + " waits for every broker")
                    .containsAll(brokers);
        }
        int prefstream = 0;
        for (var entry : merged.entrySet()) {
            if (!isPrefstream(entry.getValue())) {
                continue;
            }
            prefstream++;
            var env = environment(entry.getValue());
            assertThat(env)
                    .as(entry.getKey())
                    .containsEntry(CommonSettings.BOOTSTRAP_SERVERS.envName(), "kafka:9092,kafka-2:9092,kafka-3:9092")
                    .containsEntry(CommonSettings.TOPIC_REPLICATION_FACTOR.envName(), "3");
        }
        assertThat(prefstream).as("prefstream services").isEqualTo(4);
    }

    @Test
    void grafanaIsProvisionedWithPrometheusAndTheDashboard() throws IOException {
        var grafana = services(load("docker-compose.yml")).get("grafana");
        assertThat(list(grafana.get("volumes")))
                .map(String::valueOf)
                .contains(
                        "./grafana/provisioning:/etc/grafana/provisioning:ro",
                        "./grafana/dashboards:/var/lib/grafana/dashboards:ro");
        Map<String, Object> datasources = load("grafana/provisioning/datasources/prometheus.yml");
        var prometheus = (Map<?, ?>) ((List<?>) datasources.get("datasources")).get(0);
        assertThat(prometheus.get("url")).isEqualTo("http://prometheus:9090");
        var dashboard = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(DIR.resolve("grafana/dashboards/prefstream.json").toFile());
        var uids = new TreeSet<String>();
        dashboard.findValues("datasource").forEach(d -> uids.add(d.path("uid").asText()));
        assertThat(uids).containsExactly(String.valueOf(prometheus.get("uid")));
    }

    /** Prometheus names of Micrometer meters: dots and dashes become underscores, counters end in _total. */
    private static final List<String> PROMETHEUS_SUFFIXES =
            List.of("_total", "_seconds_count", "_seconds_sum", "_seconds_max", "_count", "_sum", "_max", "");

    @Test
    void dashboardQueriesUseOnlyMetricsTheServicesExport() throws IOException {
        var meters = meterNames();
        assertThat(meters)
                .as("meter names found in the sources")
                .contains("prefstream_trainer_steps", "prefstream_generator_rollouts");
        var dashboard = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(DIR.resolve("grafana/dashboards/prefstream.json").toFile());
        var used = new TreeSet<String>();
        var unknown = new TreeSet<String>();
        for (var expr : dashboard.findValues("expr")) {
            var m = Pattern.compile("\\bprefstream_[a-z0-9_]+").matcher(expr.asText());
            while (m.find()) {
                String name = m.group();
                used.add(name);
                if (PROMETHEUS_SUFFIXES.stream()
                        .noneMatch(sfx -> name.endsWith(sfx)
                                && meters.contains(name.substring(0, name.length() - sfx.length())))) {
                    unknown.add(name);
                }
            }
        }
        assertThat(unknown).as("dashboard metrics no service exports").isEmpty();
        assertThat(used)
                .as("dashboard covers lag, rollouts/s, steps/s, gold reward, KL, staleness")
                .contains(
                        "prefstream_generator_input_lag",
                        "prefstream_trainer_input_lag",
                        "prefstream_generator_rollouts_total",
                        "prefstream_trainer_steps_total",
                        "prefstream_trainer_eval_gold_reward",
                        "prefstream_trainer_kl",
                        "prefstream_batcher_stale_total");
        assertThat(meters).doesNotContain("prefstream_trainer_kl_divergence"); // the check can fail
    }

    /** Every {@code "prefstream.…"} literal of a main source file but the topic list, as a Prometheus name. */
    private static Set<String> meterNames() throws IOException {
        var names = new TreeSet<String>();
        var literal = Pattern.compile("\"(prefstream\\.[a-z0-9_.-]+)\"");
        try (var files = Files.walk(DIR.resolve(".."))) {
            for (Path f : files.filter(
                            p -> p.toString().endsWith(".java") && p.toString().contains("src/main/java"))
                    .toList()) {
                if (f.getFileName().toString().equals("Topics.java")) {
                    continue; // topic names, not meters
                }
                String source = Files.readString(f);
                var m = literal.matcher(source);
                while (m.find()) {
                    names.add(m.group(1).replaceAll("[.-]", "_"));
                }
            }
        }
        return names;
    }

    // --- YAML helpers --------------------------------------------------------------------------

    private static Map<String, Object> load(String file) throws IOException {
        var options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        return new Yaml(options).load(Files.readString(DIR.resolve(file)));
    }

    /**
     * docker-compose.yml with the 3-broker override applied as {@code docker compose -f a -f b}
     * does: maps (environment, depends_on, ...) merged key by key, volumes by container path, ports
     * appended, anything else replaced.
     */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> withThreeBrokers() throws IOException {
        var root = new LinkedHashMap<String, Object>(load("docker-compose.yml"));
        var override = load(THREE_BROKERS);
        var services = new LinkedHashMap<String, Map<String, Object>>(services(root));
        services(override).forEach((name, changes) -> {
            var service = new LinkedHashMap<String, Object>(services.getOrDefault(name, Map.of()));
            changes.forEach((key, value) -> {
                Object before = service.get(key);
                if (before instanceof Map<?, ?> b && value instanceof Map<?, ?> v) {
                    var m = new LinkedHashMap<Object, Object>(b);
                    m.putAll(v);
                    service.put(key, m);
                } else if (key.equals("volumes") && before instanceof List<?> b && value instanceof List<?> v) {
                    var byTarget = new LinkedHashMap<String, Object>();
                    for (Object mount : b) {
                        byTarget.put(String.valueOf(mount).split(":")[1], mount);
                    }
                    for (Object mount : v) {
                        byTarget.put(String.valueOf(mount).split(":")[1], mount);
                    }
                    service.put(key, new ArrayList<>(byTarget.values()));
                } else if (key.equals("ports") && before instanceof List<?> b && value instanceof List<?> v) {
                    var all = new ArrayList<Object>(b);
                    all.addAll(v);
                    service.put(key, all);
                } else {
                    service.put(key, value);
                }
            });
            services.put(name, service);
        });
        root.put("services", services);
        var volumes = new LinkedHashMap<Object, Object>();
        for (Object v : List.of(keys(root.get("volumes")), keys(override.get("volumes")))) {
            ((Set<String>) v).forEach(name -> volumes.put(name, null));
        }
        root.put("volumes", volumes);
        return root;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> services(Map<String, Object> root) {
        return (Map<String, Map<String, Object>>) root.get("services");
    }

    private static Map<String, Object> merged(Map<String, Object> base, Map<String, Object> override) {
        var result = new LinkedHashMap<String, Object>(base == null ? Map.of() : base);
        result.putAll(override);
        return result;
    }

    private static boolean isPrefstream(Map<String, Object> service) {
        return String.valueOf(service.get("image")).startsWith(PREFSTREAM_IMAGE);
    }

    private static String command(Map<String, Object> service) {
        return String.valueOf(list(service.get("command")).get(0));
    }

    private static SettingSet settingsFor(String name, Map<String, Object> service) {
        var settings = SETTINGS_BY_COMMAND.get(command(service));
        assertThat(settings)
                .as("service " + name + " runs a known prefstream command, got " + command(service))
                .isNotNull();
        return settings;
    }

    private static Map<String, String> environment(Map<String, Object> service) {
        var out = new LinkedHashMap<String, String>();
        if (service.get("environment") instanceof Map<?, ?> env) {
            env.forEach((k, v) -> out.put(String.valueOf(k), withDefaults(String.valueOf(v))));
        }
        return out;
    }

    private static final Pattern INTERPOLATION = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)(:-([^}]*))?}");

    /** {@code ${NAME:-default}} replaced by its default, as compose does when NAME is unset. */
    private static String withDefaults(String value) {
        var m = INTERPOLATION.matcher(value);
        var out = new StringBuilder();
        while (m.find()) {
            assertThat(m.group(3))
                    .as("${" + m.group(1) + "} in '" + value + "' needs a default (${NAME:-default})")
                    .isNotNull();
            m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(m.group(3)));
        }
        return m.appendTail(out).toString();
    }

    /** Variables from env files; a missing optional file is read from its committed {@code .example}. */
    private static Map<String, String> envFiles(Map<String, Object> service) throws IOException {
        var out = new LinkedHashMap<String, String>();
        for (Object entry : list(service.get("env_file"))) {
            String path = entry instanceof Map<?, ?> m ? String.valueOf(m.get("path")) : String.valueOf(entry);
            Path file = DIR.resolve(path);
            if (!Files.exists(file)) {
                file = DIR.resolve(path + ".example");
            }
            assertThat(file).as("env file " + path + " or its .example").exists();
            for (String line : Files.readAllLines(file)) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    int eq = line.indexOf('=');
                    out.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
                }
            }
        }
        return out;
    }

    private static List<?> list(Object value) {
        return value instanceof List<?> l ? l : value == null ? List.of() : List.of(value);
    }

    private static Set<String> keys(Object value) {
        var out = new TreeSet<String>();
        if (value instanceof Map<?, ?> map) {
            map.keySet().forEach(k -> out.add(String.valueOf(k)));
        } else {
            list(value).forEach(v -> out.add(String.valueOf(v)));
        }
        return out;
    }
}
