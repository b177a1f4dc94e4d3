package io.prefstream.launcher.progress;

import io.prefstream.platform.kafka.KafkaClients;
import io.prefstream.schemas.TrainerMetrics;
import io.prefstream.schemas.serde.AvroDeserializer;
import io.prefstream.schemas.serde.AvroSerdeConfig;
import io.prefstream.schemas.topics.Topics;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows {@code prefstream.metrics} from a given point into a {@link RunMetrics}: a group-less
 * consumer assigned every partition, so watching a run leaves no consumer group behind. A record
 * that cannot be decoded is logged with its offset and skipped (the trainer owns the topic; the
 * watcher must not stop the display over one bad record).
 */
public final class MetricsTail implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MetricsTail.class);

    private final KafkaConsumer<String, byte[]> consumer;
    private final AvroDeserializer<TrainerMetrics> decoder;
    private final RunMetrics metrics;
    private final Thread thread;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final CountDownLatch drainRequested = new CountDownLatch(1);
    private final CountDownLatch drained = new CountDownLatch(1);

    private MetricsTail(
            KafkaConsumer<String, byte[]> consumer, AvroDeserializer<TrainerMetrics> decoder, RunMetrics metrics) {
        this.consumer = consumer;
        this.decoder = decoder;
        this.metrics = metrics;
        this.thread = new Thread(this::loop, "metrics-tail");
        this.thread.setDaemon(true);
    }

    /**
     * Starts following the metrics topic at {@code startOffsets} (partition → offset; partitions not
     * listed start at their beginning).
     */
    public static MetricsTail start(KafkaClients clients, Map<TopicPartition, Long> startOffsets, RunMetrics into) {
        Map<String, Object> props = clients.consumerProperties("unused");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        var consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        var partitions = consumer.partitionsFor(Topics.METRICS.name()).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        startOffsets.forEach((tp, offset) -> {
            if (partitions.contains(tp)) {
                consumer.seek(tp, offset);
            }
        });
        var decoder = new AvroDeserializer<>(TrainerMetrics.class);
        decoder.configure(
                Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, clients.config().schemaRegistryUrl()), false);
        var tail = new MetricsTail(consumer, decoder, into);
        tail.thread.start();
        return tail;
    }

    private void loop() {
        try {
            while (running.get()) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        metrics.add(decoder.deserialize(r.topic(), r.value()));
                    } catch (RuntimeException e) {
                        log.warn(
                                "Skipping undecodable metrics record {}-{}@{}: {}",
                                r.topic(),
                                r.partition(),
                                r.offset(),
                                e.getMessage());
                    }
                }
                if (drainRequested.getCount() == 0 && drained.getCount() > 0 && atEnd()) {
                    drained.countDown();
                }
            }
        } catch (WakeupException e) {
            // close() asked us to stop
        } catch (RuntimeException e) {
            log.error("Metrics display stopped: {}", e.toString(), e);
        } finally {
            drained.countDown();
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private boolean atEnd() {
        var ends = consumer.endOffsets(consumer.assignment());
        return ends.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
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
        running.set(false);
        consumer.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
