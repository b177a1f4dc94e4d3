package io.prefstream.platform.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.utils.Time;

/**
 * The process of one {@link EmbeddedKafkaCluster} node: formats the log dir if new, runs a KRaft
 * combined broker+controller, and writes a marker file once it accepts clients. Shuts down cleanly
 * when its standard input closes (the cluster asked it to stop, or the JVM that started it is gone),
 * so no broker outlives its test. Not an API: the cluster starts it.
 *
 * <p>Arguments: the {@code server.properties} file, the cluster id, the path of the ready marker.
 */
public final class EmbeddedKafkaNode {

    /** How long a clean shutdown may take before the process halts anyway (e.g. the quorum is gone). */
    private static final long SHUTDOWN_GRACE_MS = 30_000;

    private EmbeddedKafkaNode() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("Usage: EmbeddedKafkaNode <server.properties> <cluster id> <ready marker>");
            System.exit(2);
        }
        var props = new Properties();
        try (var in = Files.newInputStream(Path.of(args[0]))) {
            props.load(in);
        }
        Path ready = Path.of(args[2]);
        Path logDir = Path.of(props.getProperty("log.dirs"));
        int nodeId = Integer.parseInt(props.getProperty("node.id"));
        KafkaRaftServer server;
        try {
            EmbeddedKafka.format(logDir, nodeId, args[1]);
            server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
        } catch (RuntimeException e) {
            e.printStackTrace();
            System.exit(1);
            return;
        }
        var watcher = new Thread(() -> awaitEndOfInput(System.in, server), "embedded-kafka-node-stdin");
        watcher.setDaemon(true);
        watcher.start();
        try {
            server.startup();
        } catch (RuntimeException e) {
            e.printStackTrace();
            Runtime.getRuntime().halt(1);
        }
        Path tmp = ready.resolveSibling(ready.getFileName() + ".tmp");
        Files.writeString(tmp, Long.toString(ProcessHandle.current().pid()));
        Files.move(tmp, ready, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        System.out.println("Embedded Kafka node " + nodeId + " ready (pid "
                + ProcessHandle.current().pid() + ")");
        server.awaitShutdown();
        Runtime.getRuntime().halt(0);
    }

    private static void awaitEndOfInput(InputStream in, KafkaRaftServer server) {
        try {
            while (in.read() != -1) {
                // nothing is sent; only the end of input matters
            }
        } catch (IOException e) {
            // the parent is gone
        }
        var halt = new Thread(
                () -> {
                    try {
                        Thread.sleep(SHUTDOWN_GRACE_MS);
                    } catch (InterruptedException e) {
                        return;
                    }
                    System.err.println("Clean shutdown took over " + SHUTDOWN_GRACE_MS + " ms; halting");
                    Runtime.getRuntime().halt(3);
                },
                "embedded-kafka-node-halt");
        halt.setDaemon(true);
        halt.start();
        server.shutdown();
        server.awaitShutdown();
        Runtime.getRuntime().halt(0);
    }
}
