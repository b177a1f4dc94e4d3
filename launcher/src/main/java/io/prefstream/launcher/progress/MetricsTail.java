package io.prefstream.launcher.progress;

import io.prefstream.platform.consumer.ConsumerLoop;
import io.prefstream.platform.consumer.LoopControl;
import io.prefstream.platform.consumer.RecordProcessor;
import io.prefstream.platform.kafka.KafkaClients;
import io.prefstream.schemas.TrainerMetrics;
import io.prefstream.schemas.registry.SchemaRegistries;
import io.prefstream.schemas.registry.SchemaRegistryClient;
import io.prefstream.schemas.serde.RecordDecodingException;
import io.prefstream.schemas.topics.TopicCodec;
import io.prefstream.schemas.topics.Topics;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows {@code prefstream.metrics} from a given point into a {@link RunMetrics}: a group-less
 * {@link ConsumerLoop} assigned every partition, so watching a run leaves no consumer group behind.
 * A record that cannot be decoded is logged with its offset and skipped (the trainer owns the
 * topic; the watcher must not stop the display over one bad record).
 */
public final class MetricsTail implements AutoCloseable, RecordProcessor {

    private static final Logger log = LoggerFactory.getLogger(MetricsTail.class);

    private final SchemaRegistryClient registry;
    private final TopicCodec<TrainerMetrics> records;
    private final RunMetrics metrics;
    private final CountDownLatch drainRequested = new CountDownLatch(1);
    private final CountDownLatch drained = new CountDownLatch(1);
    private final ConsumerLoop loop;

    private MetricsTail(KafkaClients clients, Map<TopicPartition, Long> startOffsets, RunMetrics metrics) {
        this.registry = SchemaRegistries.forUrl(
                clients.config().schemaRegistryUrl(), clients.config().kafkaProperties());
        this.records = Topics.METRICS.codec(registry);
        this.metrics = metrics;
        this.loop = ConsumerLoop.builder()
                .readFrom(clients, Topics.METRICS.name(), startOffsets)
                .processor(this)
                .service("metrics-tail")
                .threadName("metrics-tail")
                .build();
    }

    /**
     * Starts following the metrics topic at {@code startOffsets} (partition → offset; partitions not
     * listed start at their beginning).
     */
    public static MetricsTail start(KafkaClients clients, Map<TopicPartition, Long> startOffsets, RunMetrics into) {
        var tail = new MetricsTail(clients, startOffsets, into);
        try {
            tail.loop.start();
        } catch (RuntimeException e) {
            tail.registry.close();
            throw e;
        }
        return tail;
    }

    @Override
    public CompletableFuture<?> process(ConsumerRecord<byte[], byte[]> r, LoopControl control) {
        try {
            TrainerMetrics m = records.decode(r);
            if (m != null) {
                metrics.add(m);
            }
        } catch (RecordDecodingException e) {
            log.warn(
                    "Skipping undecodable metrics record {}-{}@{}: {}",
                    r.topic(),
                    r.partition(),
                    r.offset(),
                    e.reason());
        }
        return CompletableFuture.completedFuture(null);
    }

    /** Once a drain is asked for, stops at the topic's current end. */
    @Override
    public Duration beforePoll(Duration pollTimeout, LoopControl control) {
        if (drainRequested.getCount() == 0 && control.atEnd()) {
            drained.countDown();
            control.stop();
            return Duration.ZERO;
        }
        return pollTimeout;
    }

    @Override
    public void stopped() {
        drained.countDown();
    }

    /**
     * Reads what the topic holds now (up to its current end), then stops; gives up after
     * {@code timeout}. Called at the end of a run so the report sees the final records.
     */
    public void drainAndClose(Duration timeout) {
        drainRequested.countDown();
        try {
            if (!drained.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("Metrics topic not fully read within {}; the report may miss the last records", timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close();
    }

    @Override
    public void close() {
        loop.close();
        registry.close();
    }
}
