package io.prefstream.platform.kafka;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real multi-node Kafka cluster on this machine, for tests of what a production cluster does
 * that one broker cannot: replication, leader fail-over, a controller quorum. Each node is a KRaft
 * combined broker+controller (all of them voters) in a JVM of its own, started from this JVM's
 * class path, on loopback ports that stay the same across restarts, with a log dir that survives
 * them. Internal and new topics get 3 replicas (fewer with fewer nodes) and
 * {@code min.insync.replicas=2}; unclean leader election is off; a broker that stops heartbeating is
 * fenced after 6 s.
 *
 * <p>A node can be {@linkplain #kill killed} ({@code SIGKILL}: no clean shutdown, no flush, the log
 * recovers on restart), {@linkplain #stop stopped} cleanly, and {@linkplain #restart restarted}.
 * Node processes shut themselves down when this JVM goes away (their standard input closes), so
 * none outlives a test run. {@link #close()} kills every node and deletes a temporary data dir.
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaCluster.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final int START_ATTEMPTS = 3;
    private static final List<String> NODE_JVM_OPTIONS = List.of(
            "-Xms64m",
            "-Xmx512m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1", // brokers of a test do little: spend the CPU on the test, not the JIT
            "-XX:-UsePerfData",
            "-Djava.awt.headless=true");

    private final Path root;
    private final boolean temporary;
    private final String clusterId;
    private final List<Node> nodes;
    private boolean closed;

    private EmbeddedKafkaCluster(Path root, boolean temporary, String clusterId, List<Node> nodes) {
        this.root = root;
        this.temporary = temporary;
        this.clusterId = clusterId;
        this.nodes = nodes;
    }

    /** Starts {@code size} nodes on free ports with a temporary data dir. */
    public static EmbeddedKafkaCluster start(int size) {
        return builder().size(size).start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** How to start an {@link EmbeddedKafkaCluster}. */
    public static final class Builder {
        private int size = 3;
        private Path dataDir;
        private final Map<String, String> overrides = new HashMap<>();

        private Builder() {}

        /** Number of nodes (default 3); each is a broker and a controller-quorum voter. */
        public Builder size(int size) {
            if (size < 1 || size > 9) {
                throw new IllegalArgumentException("Expected 1 to 9 nodes, found " + size);
            }
            this.size = size;
            return this;
        }

        /** Keep the nodes' logs under {@code dir} (created if missing) and leave them there on close. */
        public Builder dataDir(Path dir) {
            this.dataDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /** Any broker property of every node, overriding the defaults. */
        public Builder brokerProperty(String key, String value) {
            overrides.put(key, value);
            return this;
        }

        /** Starts every node and returns once each accepts clients. */
        public EmbeddedKafkaCluster start() {
            boolean temporary = dataDir == null;
            Path root;
            try {
                root = temporary
                        ? Files.createTempDirectory("prefstream-kafka-cluster-")
                        : Files.createDirectories(dataDir);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot create Kafka cluster dir " + dataDir, e);
            }
            var nodes = new ArrayList<Node>();
            for (int id = 1; id <= size; id++) {
                nodes.add(new Node(id, EmbeddedKafka.freePort(), EmbeddedKafka.freePort(), root.resolve("node-" + id)));
            }
            String voters = nodes.stream()
                    .map(n -> n.id + "@" + EmbeddedKafka.HOST + ":" + n.controllerPort)
                    .collect(Collectors.joining(","));
            var cluster = new EmbeddedKafkaCluster(root, temporary, clusterId(root), nodes);
            try {
                for (Node n : nodes) {
                    n.writeConfig(voters, size, overrides);
                }
                long started = System.nanoTime();
                nodes.forEach(cluster::launch); // in parallel: a node is ready only once a quorum is up
                for (Node n : nodes) {
                    cluster.awaitReady(n);
                }
                log.info(
                        "Embedded Kafka cluster of {} nodes started in {} ms: {} (data {}{})",
                        size,
                        (System.nanoTime() - started) / 1_000_000,
                        cluster.bootstrapServers(),
                        root,
                        temporary ? ", temporary" : "");
                return cluster;
            } catch (RuntimeException e) {
                cluster.close();
                throw e;
            }
        }

        /** The cluster id of a data dir: kept in it, so a restarted cluster is the same cluster. */
        private static String clusterId(Path root) {
            Path file = root.resolve("cluster.id");
            try {
                if (Files.exists(file)) {
                    return Files.readString(file).trim();
                }
                String id = Uuid.randomUuid().toString();
                Files.writeString(file, id);
                return id;
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read or write " + file, e);
            }
        }
    }

    /** {@code 127.0.0.1:port} of every node's broker listener, comma-separated. */
    public String bootstrapServers() {
        return nodes.stream().map(Node::address).collect(Collectors.joining(","));
    }

    /** {@code 127.0.0.1:port} of one node's broker listener. */
    public String bootstrapServers(int nodeId) {
        return node(nodeId).address();
    }

    /** Node ids, 1 to the cluster's size; they are also the brokers' ids. */
    public List<Integer> nodeIds() {
        return nodes.stream().map(n -> n.id).toList();
    }

    /** Whether node {@code nodeId}'s process is alive. */
    public synchronized boolean isRunning(int nodeId) {
        var p = node(nodeId).process;
        return p != null && p.isAlive();
    }

    /** The directory holding node {@code nodeId}'s log, config and output. */
    public Path nodeDir(int nodeId) {
        return node(nodeId).dir;
    }

    /**
     * Kills node {@code nodeId} with {@code SIGKILL}, as a crash or a pulled plug would: open
     * connections reset, nothing is flushed, leadership moves only once the controller fences it.
     * Returns when the process is gone.
     */
    public synchronized void kill(int nodeId) {
        Node n = node(nodeId);
        requireRunning(n);
        n.process.destroyForcibly();
        waitFor(n, STOP_TIMEOUT);
        log.info("Killed Kafka node {} ({})", nodeId, n.address());
    }

    /** Stops node {@code nodeId} cleanly (controlled shutdown: leadership moves first); returns when it exited. */
    public synchronized void stop(int nodeId) {
        Node n = node(nodeId);
        requireRunning(n);
        try {
            n.stdin.close(); // the node shuts down when its input ends
        } catch (IOException e) {
            log.debug("Closing the input of node {}: {}", nodeId, e.toString());
        }
        if (!waitFor(n, STOP_TIMEOUT)) {
            log.warn("Kafka node {} did not stop within {} s; killing it", nodeId, STOP_TIMEOUT.toSeconds());
            n.process.destroyForcibly();
            waitFor(n, STOP_TIMEOUT);
        }
        log.info("Stopped Kafka node {} ({})", nodeId, n.address());
    }

    /** Starts node {@code nodeId} again on its ports and log dir; returns once it accepts clients. */
    public synchronized void restart(int nodeId) {
        Node n = node(nodeId);
        if (n.process != null && n.process.isAlive()) {
            throw new IllegalStateException("Kafka node " + nodeId + " is running; kill or stop it first");
        }
        long started = System.nanoTime();
        launch(n);
        awaitReady(n);
        log.info("Restarted Kafka node {} in {} ms", nodeId, (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * Waits until every partition of every topic (internal ones too) has all its replicas in sync,
     * as after a restarted node caught up.
     *
     * @throws KafkaException listing the partitions still short of replicas after {@code timeout}
     */
    public void awaitInSync(Duration timeout) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            long deadline = System.nanoTime() + timeout.toNanos();
            List<String> behind = List.of("(not described yet)");
            while (System.nanoTime() < deadline) {
                try {
                    var names = admin.listTopics(new ListTopicsOptions().listInternal(true))
                            .names()
                            .get();
                    Map<String, TopicDescription> topics =
                            admin.describeTopics(names).allTopicNames().get();
                    behind = new ArrayList<>();
                    for (var d : topics.values()) {
                        for (TopicPartitionInfo p : d.partitions()) {
                            if (p.leader() == null
                                    || p.leader().isEmpty()
                                    || p.isr().size() < p.replicas().size()) {
                                behind.add(d.name() + "-" + p.partition() + " (isr " + ids(p.isr()) + " of "
                                        + ids(p.replicas()) + ")");
                            }
                        }
                    }
                    if (behind.isEmpty()) {
                        return;
                    }
                } catch (ExecutionException e) {
                    behind = List.of(e.getCause().toString());
                }
                Thread.sleep(200);
            }
            throw new KafkaException("Partitions not fully in sync after " + timeout.toSeconds() + " s: " + behind);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("Interrupted while waiting for replicas to catch up", e);
        }
    }

    /** The last {@code lines} lines of node {@code nodeId}'s output (all its runs), for diagnostics. */
    public String logTail(int nodeId, int lines) {
        Path file = node(nodeId).logFile;
        try {
            if (!Files.exists(file)) {
                return "";
            }
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    /** Kills every node that runs; deletes the data dir when it was temporary. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Node n : nodes) {
            if (n.process != null && n.process.isAlive()) {
                n.process.destroyForcibly();
            }
        }
        for (Node n : nodes) {
            if (n.process != null) {
                waitFor(n, STOP_TIMEOUT);
            }
        }
        log.info("Embedded Kafka cluster {} stopped", bootstrapServers());
        if (temporary) {
            EmbeddedKafka.deleteRecursively(root);
        }
    }

    // --- nodes -----------------------------------------------------------------------------------

    private void launch(Node n) {
        if (closed) {
            throw new IllegalStateException("The cluster is closed");
        }
        try {
            Files.deleteIfExists(n.ready);
            var command = new ArrayList<String>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(NODE_JVM_OPTIONS);
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(EmbeddedKafkaNode.class.getName());
            command.add(n.config.toString());
            command.add(clusterId);
            command.add(n.ready.toString());
            var builder = new ProcessBuilder(command)
                    .directory(n.dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(n.logFile.toFile()));
            n.process = builder.start();
            n.stdin = n.process.getOutputStream();
            n.attempts++;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start Kafka node " + n.id, e);
        }
    }

    private void awaitReady(Node n) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        try {
            while (!Files.exists(n.ready)) {
                if (!n.process.isAlive()) {
                    if (n.attempts < START_ATTEMPTS) { // e.g. a port of the last run not released yet
                        log.warn(
                                "Kafka node {} exited with {} while starting; trying again. Output:\n{}",
                                n.id,
                                n.process.exitValue(),
                                logTail(n.id, 20));
                        Thread.sleep(1000);
                        launch(n);
                        continue;
                    }
                    throw new KafkaException("Kafka node " + n.id + " exited with " + n.process.exitValue()
                            + " while starting. Output:\n" + logTail(n.id, 40));
                }
                if (System.nanoTime() > deadline) {
                    n.process.destroyForcibly();
                    throw new KafkaException("Kafka node " + n.id + " did not start within " + START_TIMEOUT.toSeconds()
                            + " s. Output:\n" + logTail(n.id, 40));
                }
                Thread.sleep(100);
            }
            n.attempts = 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("Interrupted while Kafka node " + n.id + " started", e);
        }
    }

    private static boolean waitFor(Node n, Duration timeout) {
        try {
            return n.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void requireRunning(Node n) {
        if (n.process == null || !n.process.isAlive()) {
            throw new IllegalStateException("Kafka node " + n.id + " is not running");
        }
    }

    private Node node(int nodeId) {
        if (nodeId < 1 || nodeId > nodes.size()) {
            throw new IllegalArgumentException("Expected a node id in [1, " + nodes.size() + "], found " + nodeId);
        }
        return nodes.get(nodeId - 1);
    }

    private static String ids(List<org.apache.kafka.common.Node> nodes) {
        return nodes.stream().map(org.apache.kafka.common.Node::idString).collect(Collectors.joining(",", "[", "]"));
    }

    private static final class Node {
        final int id;
        final int brokerPort;
        final int controllerPort;
        final Path dir;
        final Path config;
        final Path ready;
        final Path logFile;
        Process process;
        OutputStream stdin;
        int attempts;

        Node(int id, int brokerPort, int controllerPort, Path dir) {
            this.id = id;
            this.brokerPort = brokerPort;
            this.controllerPort = controllerPort;
            this.dir = dir;
            this.config = dir.resolve("server.properties");
            this.ready = dir.resolve("ready");
            this.logFile = dir.resolve("node.log");
        }

        String address() {
            return EmbeddedKafka.HOST + ":" + brokerPort;
        }

        void writeConfig(String voters, int size, Map<String, String> overrides) {
            Properties props = EmbeddedKafka.nodeProperties(
                    id, voters, dir.resolve("kraft-combined-logs"), brokerPort, controllerPort, size);
            // Notice a dead broker within seconds rather than the defaults' 9 s (fencing) and 30 s (ISR).
            props.put("broker.heartbeat.interval.ms", "1000");
            props.put("broker.session.timeout.ms", "6000");
            props.put("replica.lag.time.max.ms", "10000");
            props.putAll(overrides);
            try {
                Files.createDirectories(dir);
                try (var out = Files.newBufferedWriter(config, StandardCharsets.UTF_8)) {
                    props.store(out, "Embedded Kafka cluster node " + id);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot write " + config, e);
            }
        }
    }
}
