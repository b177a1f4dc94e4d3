package io.prefstream.generator;

import io.prefstream.platform.lag.ConsumerLagReader;
import io.prefstream.platform.lag.PartitionLag;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer's backlog, read periodically on a background thread so the generator loop never
 * blocks on the admin client:
 * {@code L = Σ over partitions of the trainer group's topics of (log-end offset − committed offset)},
 * where a partition the group is assigned but has not committed counts from 0 (its log-end offset).
 * A group that does not exist yet has no backlog. Until the first read succeeds, or after a read
 * fails, the last known value stands (0 initially); failures are logged once per streak.
 */
final class TrainerBacklog implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TrainerBacklog.class);

    private final ConsumerLagReader reader;
    private final String group;
    private final Set<String> topics;
    private final Duration interval;
    private final AtomicLong backlog = new AtomicLong();
    private final ScheduledExecutorService executor;
    private boolean failing;
    private volatile boolean closed;

    TrainerBacklog(ConsumerLagReader reader, String group, Collection<String> topics, Duration interval) {
        this.reader = Objects.requireNonNull(reader, "reader");
        this.group = Objects.requireNonNull(group, "group");
        this.topics = Set.copyOf(topics);
        this.interval = Objects.requireNonNull(interval, "interval");
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            var t = new Thread(r, "prefstream-generator-trainer-backlog");
            t.setDaemon(true);
            return t;
        });
    }

    void start() {
        refresh();
        executor.scheduleWithFixedDelay(this::refresh, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The last value read, in records. */
    long current() {
        return backlog.get();
    }

    /** Reads the backlog now (also what the background thread runs). */
    void refresh() {
        try {
            backlog.set(backlogOf(reader.describe(List.of(group)), topics));
            if (failing) {
                log.info("Reading the backlog of trainer group {} works again", group);
                failing = false;
            }
        } catch (RuntimeException e) {
            if (closed) {
                return; // interrupted by close()
            }
            if (!failing) {
                log.warn(
                        "Cannot read the backlog of trainer group {} (keeping the last value {}): {}",
                        group,
                        backlog.get(),
                        e.toString());
                failing = true;
            }
        }
    }

    /** {@code Σ lag} over rows of {@code topics}; an uncommitted row counts its log-end offset. */
    static long backlogOf(List<PartitionLag> rows, Set<String> topics) {
        long total = 0;
        for (PartitionLag row : rows) {
            if (topics.contains(row.topic())) {
                total += row.lag().orElse(row.logEndOffset());
            }
        }
        return total;
    }

    @Override
    public void close() {
        closed = true;
        executor.shutdownNow();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
