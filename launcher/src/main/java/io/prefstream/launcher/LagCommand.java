package io.prefstream.launcher;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefstream.platform.lag.ConsumerLagReader;
import io.prefstream.platform.lag.PartitionLag;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code prefstream lag}: consumer-group lag per group, topic and partition, like
 * {@code kafka-consumer-groups --describe}, plus produce and consume rates measured over a short
 * window (two reads {@code --window} apart).
 */
@Command(
        name = "lag",
        mixinStandardHelpOptions = true,
        header = "Consumer-group lag and records/s per group, topic and partition.",
        showDefaultValues = true,
        description = {
            "Consumer-group lag per group, topic and partition, like kafka-consumer-groups",
            "--describe: committed offset, log-end offset, lag, and records/s produced to",
            "(IN/S) and consumed from (OUT/S) each partition over a short window.",
            "--wide adds the consumer, host and client ids. Fails within about 5 s when",
            "--bootstrap cannot be reached."
        })
public final class LagCommand implements Callable<Integer> {

    @Mixin
    ClusterOptions cluster;

    @Option(
            names = "--group",
            paramLabel = "GROUP",
            description = "Consumer group to show (repeatable); default: every consumer group.")
    List<String> groups = new ArrayList<>();

    @Option(
            names = "--window",
            paramLabel = "SECONDS",
            defaultValue = "2",
            description = "Seconds between the two reads the rates are computed from; 0 skips rates.")
    double windowSeconds;

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    @Option(
            names = "--wide",
            description = "Also show CONSUMER-ID, HOST and CLIENT-ID (a table wider than 120 " + "columns).")
    boolean wide;

    @Spec
    CommandSpec spec;

    /** One row with rates; rates are NaN when no window was measured. */
    public record Row(PartitionLag lag, double producedPerSecond, double consumedPerSecond) {}

    @Override
    public Integer call() throws Exception {
        if (windowSeconds < 0 || !Double.isFinite(windowSeconds)) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(), "--window must be >= 0 seconds, found " + windowSeconds);
        }
        List<Row> rows;
        try (var admin = cluster.clients("prefstream-lag").admin()) {
            cluster.requireReachable(admin);
            rows = measure(new ConsumerLagReader(admin), groups, Duration.ofMillis(Math.round(windowSeconds * 1000)));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(toJson(rows, windowSeconds));
        } else if (rows.isEmpty()) {
            out.println(
                    groups.isEmpty()
                            ? "No consumer groups on " + cluster.bootstrap() + "."
                            : "No offsets for group(s) " + groups + " on " + cluster.bootstrap() + ".");
        } else {
            out.print(table(rows, wide));
        }
        out.flush();
        return 0;
    }

    /** Reads lag twice, {@code window} apart (once when the window is zero), and derives rates. */
    public static List<Row> measure(ConsumerLagReader reader, List<String> groups, Duration window)
            throws InterruptedException {
        long t0 = System.nanoTime();
        List<PartitionLag> first = groups.isEmpty() ? reader.describeAll() : reader.describe(groups);
        if (window.isZero()) {
            return first.stream().map(l -> new Row(l, Double.NaN, Double.NaN)).toList();
        }
        Thread.sleep(window.toMillis());
        long t1 = System.nanoTime();
        List<PartitionLag> second = groups.isEmpty() ? reader.describeAll() : reader.describe(groups);
        double seconds = (t1 - t0) / 1e9;
        Map<String, PartitionLag> before = new HashMap<>();
        first.forEach(l -> before.put(key(l), l));
        var rows = new ArrayList<Row>();
        for (PartitionLag now : second) {
            PartitionLag then = before.get(key(now));
            double produced = Double.NaN;
            double consumed = Double.NaN;
            if (then != null) {
                produced = (now.logEndOffset() - then.logEndOffset()) / seconds;
                if (now.currentOffset().isPresent() && then.currentOffset().isPresent()) {
                    consumed = (now.currentOffset().getAsLong()
                                    - then.currentOffset().getAsLong())
                            / seconds;
                }
            }
            rows.add(new Row(now, produced, consumed));
        }
        return rows;
    }

    private static String key(PartitionLag l) {
        return l.group() + "\u0000" + l.topic() + "\u0000" + l.partition();
    }

    /** Columns of the table; {@code wide} adds who consumes (ids run to ~80 characters each). */
    static String table(List<Row> rows, boolean wide) {
        String[] header = {
            "GROUP", "TOPIC", "PART", "OFFSET", "LOG-END", "LAG", "IN/S", "OUT/S", "CONSUMER-ID", "HOST", "CLIENT-ID"
        };
        int columns = wide ? header.length : 8;
        var cells = new ArrayList<String[]>();
        cells.add(header);
        for (Row r : rows) {
            PartitionLag l = r.lag();
            cells.add(new String[] {
                l.group(),
                l.topic(),
                Integer.toString(l.partition()),
                l.currentOffset().isPresent() ? Long.toString(l.currentOffset().getAsLong()) : "-",
                Long.toString(l.logEndOffset()),
                l.lag().isPresent() ? Long.toString(l.lag().getAsLong()) : "-",
                rate(r.producedPerSecond()),
                rate(r.consumedPerSecond()),
                l.consumerId(),
                l.host(),
                l.clientId()
            });
        }
        int[] widths = new int[header.length];
        for (String[] row : cells) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        var out = new StringBuilder();
        String previousGroup = null;
        for (String[] row : cells) {
            if (previousGroup != null && !previousGroup.equals(row[0])) {
                out.append('\n');
            }
            previousGroup = row == header ? null : row[0];
            for (int i = 0; i < columns; i++) {
                out.append(
                        i == columns - 1
                                ? row[i] + "\n"
                                : String.format(Locale.ROOT, "%-" + widths[i] + "s  ", row[i]));
            }
        }
        return out.toString();
    }

    private static String rate(double perSecond) {
        return Double.isNaN(perSecond) ? "-" : String.format(Locale.ROOT, "%.1f", perSecond);
    }

    static String toJson(List<Row> rows, double windowSeconds) {
        var mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("window_s", windowSeconds);
        var partitions = root.putArray("partitions");
        for (Row r : rows) {
            PartitionLag l = r.lag();
            ObjectNode p = partitions.addObject();
            p.put("group", l.group());
            p.put("topic", l.topic());
            p.put("partition", l.partition());
            if (l.currentOffset().isPresent()) {
                p.put("current_offset", l.currentOffset().getAsLong());
            } else {
                p.putNull("current_offset");
            }
            p.put("log_end_offset", l.logEndOffset());
            if (l.lag().isPresent()) {
                p.put("lag", l.lag().getAsLong());
            } else {
                p.putNull("lag");
            }
            putRate(p, "produced_per_s", r.producedPerSecond());
            putRate(p, "consumed_per_s", r.consumedPerSecond());
            p.put("consumer_id", l.consumerId());
            p.put("host", l.host());
            p.put("client_id", l.clientId());
        }
        return root.toString();
    }

    private static void putRate(ObjectNode node, String name, double value) {
        if (Double.isNaN(value)) {
            node.putNull(name);
        } else {
            node.put(name, value);
        }
    }
}
