package io.prefstream.platform.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka broker running in this JVM: one node in KRaft combined mode (broker and controller),
 * listening on loopback only (for several nodes, see {@link EmbeddedKafkaCluster}). Tuned for one machine: every internal topic has replication factor 1
 * and {@code min.insync.replicas=1}, so transactions and Kafka Streams {@code exactly_once_v2} work;
 * consumer groups rebalance without initial delay; topics are not auto-created (use the
 * {@link io.prefstream.platform.topics.TopicProvisioner}).
 *
 * <p>With a {@linkplain Builder#dataDir data dir} the log survives {@link #close()} and a later
 * start on the same directory sees the same topics and records; without one a temporary directory
 * is used and deleted on close. Ports are free ones unless given; {@link #bootstrapServers()} says
 * which.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final int NODE_ID = 1;
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final String BROKER_LISTENER = "PLAINTEXT";
    static final String HOST = "127.0.0.1";

    private final KafkaRaftServer server;
    private final Path dataDir;
    private final boolean temporary;
    private final int brokerPort;
    private boolean closed;

    private EmbeddedKafka(KafkaRaftServer server, Path dataDir, boolean temporary, int brokerPort) {
        this.server = server;
        this.dataDir = dataDir;
        this.temporary = temporary;
        this.brokerPort = brokerPort;
    }

    /** Starts a broker on free ports with a temporary data dir. */
    public static EmbeddedKafka start() {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** How to start an {@link EmbeddedKafka}. */
    public static final class Builder {
        private Path dataDir;
        private int brokerPort;
        private int controllerPort;
        private final Map<String, String> overrides = new HashMap<>();

        private Builder() {}

        /** Keep the log in {@code dir} (created if missing) and leave it there on close. */
        public Builder dataDir(Path dir) {
            this.dataDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /** Client port; 0 (the default) picks a free one. */
        public Builder brokerPort(int port) {
            this.brokerPort = checkPort(port);
            return this;
        }

        /** KRaft controller port; 0 (the default) picks a free one. */
        public Builder controllerPort(int port) {
            this.controllerPort = checkPort(port);
            return this;
        }

        /** Any broker property, overriding the dev-box defaults (e.g. {@code auto.create.topics.enable}). */
        public Builder brokerProperty(String key, String value) {
            overrides.put(key, value);
            return this;
        }

        /**
         * Formats the data dir if it is new, then starts the broker and returns once it accepts clients.
         *
         * @throws KafkaException when formatting or start-up fails
         */
        public EmbeddedKafka start() {
            boolean temporary = dataDir == null;
            Path dir;
            try {
                dir = temporary ? Files.createTempDirectory("prefstream-kafka-") : Files.createDirectories(dataDir);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot create Kafka data dir " + dataDir, e);
            }
            try {
                return launch(dir, temporary);
            } catch (RuntimeException e) {
                if (temporary) {
                    deleteRecursively(dir);
                }
                throw e;
            }
        }

        private EmbeddedKafka launch(Path dir, boolean temporary) {
            Path logDir = dir.resolve("kraft-combined-logs");
            int bPort = brokerPort == 0 ? freePort() : brokerPort;
            int cPort = controllerPort == 0 ? freePort() : controllerPort;
            Properties props = properties(logDir, bPort, cPort);
            props.putAll(overrides);
            format(logDir);
            var server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
            long started = System.nanoTime();
            try {
                server.startup();
            } catch (RuntimeException e) {
                server.shutdown();
                server.awaitShutdown();
                throw new KafkaException(
                        "Embedded Kafka failed to start on " + HOST + ":" + bPort + " (controller " + cPort + ", data "
                                + logDir + "): " + e.getMessage(),
                        e);
            }
            log.info(
                    "Embedded Kafka started on {}:{} in {} ms (data {}{})",
                    HOST,
                    bPort,
                    (System.nanoTime() - started) / 1_000_000,
                    logDir,
                    temporary ? ", temporary" : "");
            return new EmbeddedKafka(server, dir, temporary, bPort);
        }

        private static int checkPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("Expected a port in [0, 65535] (0 = any free port), found " + port);
            }
            return port;
        }
    }

    /** {@code 127.0.0.1:port} of the broker listener. */
    public String bootstrapServers() {
        return HOST + ":" + brokerPort;
    }

    /** The directory holding this broker's log. */
    public Path dataDir() {
        return dataDir;
    }

    /** Stops the broker and waits for its threads; deletes the data dir when it was temporary. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.shutdown();
            server.awaitShutdown();
            log.info("Embedded Kafka on {} stopped", bootstrapServers());
        } finally {
            if (temporary) {
                deleteRecursively(dataDir);
            }
        }
    }

    static Properties properties(Path logDir, int brokerPort, int controllerPort) {
        return nodeProperties(
                NODE_ID, NODE_ID + "@" + HOST + ":" + controllerPort, logDir, brokerPort, controllerPort, 1);
    }

    /**
     * The properties of one combined broker+controller node on loopback.
     *
     * @param voters   {@code controller.quorum.voters}: {@code id@host:port} of every node, comma-separated
     * @param replicas how many nodes the cluster has: internal topics and new topics get that many
     *                 replicas (at most 3) and {@code min.insync.replicas} is one less (at least 1)
     */
    static Properties nodeProperties(
            int nodeId, String voters, Path logDir, int brokerPort, int controllerPort, int replicas) {
        String rf = Integer.toString(Math.min(replicas, 3));
        String minIsr = Integer.toString(Math.max(1, Math.min(replicas, 3) - 1));
        var p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(nodeId));
        p.put("controller.quorum.voters", voters);
        p.put(
                "listeners",
                BROKER_LISTENER + "://" + HOST + ":" + brokerPort + "," + CONTROLLER_LISTENER + "://" + HOST + ":"
                        + controllerPort);
        p.put("advertised.listeners", BROKER_LISTENER + "://" + HOST + ":" + brokerPort);
        p.put("listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("inter.broker.listener.name", BROKER_LISTENER);
        p.put("log.dirs", logDir.toString());
        p.put("metadata.log.dir", logDir.toString());
        // Every internal topic must be satisfiable by the nodes there are; with 3 nodes an acknowledged
        // record is on 2 of them before acks=all returns, and a replica that fell behind never leads.
        p.put("offsets.topic.replication.factor", rf);
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.replication.factor", rf);
        p.put("transaction.state.log.min.isr", minIsr);
        p.put("transaction.state.log.num.partitions", "5");
        p.put("share.coordinator.state.topic.replication.factor", rf);
        p.put("share.coordinator.state.topic.min.isr", minIsr);
        p.put("min.insync.replicas", minIsr);
        p.put("default.replication.factor", rf);
        p.put("unclean.leader.election.enable", "false");
        p.put("num.partitions", "1");
        p.put("auto.create.topics.enable", "false");
        p.put("delete.topic.enable", "true");
        // Dev box: no waiting for more members, small files, few threads.
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("log.segment.bytes", Integer.toString(16 * 1024 * 1024));
        p.put("log.index.size.max.bytes", Integer.toString(1024 * 1024));
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "4");
        p.put("num.recovery.threads.per.data.dir", "1");
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(2 * 1024 * 1024));
        p.put("log.cleaner.threads", "1");
        return p;
    }

    private static void format(Path logDir) {
        format(logDir, NODE_ID, Uuid.randomUuid().toString());
    }

    /** Formats {@code logDir} for node {@code nodeId} of cluster {@code clusterId} unless it already is. */
    static void format(Path logDir, int nodeId, String clusterId) {
        if (Files.exists(logDir.resolve("meta.properties"))) {
            log.debug("Kafka log dir {} already formatted", logDir);
            return;
        }
        var out = new ByteArrayOutputStream();
        try (var print = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            new Formatter()
                    .setPrintStream(print)
                    .setNodeId(nodeId)
                    .setClusterId(clusterId)
                    .addDirectory(logDir.toString())
                    .setMetadataLogDirectory(logDir.toString())
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .run();
        } catch (Exception e) {
            throw new KafkaException("Cannot format Kafka log dir " + logDir + ": " + e.getMessage(), e);
        }
        log.debug(
                "Formatted {}: {}", logDir, out.toString(StandardCharsets.UTF_8).trim());
    }

    static int freePort() {
        try (var socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot find a free port on " + HOST, e);
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            log.warn("Could not delete temporary Kafka data dir {}: {}", dir, e.toString());
        }
    }
}
