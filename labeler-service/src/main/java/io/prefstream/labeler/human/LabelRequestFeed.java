package io.prefstream.labeler.human;

import io.prefstream.platform.deadletter.DeadLetterPublisher;
import io.prefstream.platform.metrics.HealthStatus;
import io.prefstream.platform.topics.Topics;
import io.prefstream.schemas.LabelKind;
import io.prefstream.schemas.LabelRequest;
import io.prefstream.schemas.registry.SchemaRegistryClient;
import io.prefstream.schemas.serde.AvroDecoder;
import io.prefstream.schemas.serde.RecordDecodingException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds {@code prefstream.label-requests} into the {@link RequestQueue} (consumer group
 * {@value #GROUP}; several labeler instances split the partitions). Requests for HUMAN labelers
 * with exactly two candidates are queued; requests for other labeler kinds are skipped (they are
 * some other consumer's work); a record that cannot be decoded, or a HUMAN request that is not a
 * pair, goes to the dead-letter topic. Offsets are committed up to the oldest request still open
 * (see {@link RequestQueue#committableOffsets()}), so a restart re-reads unanswered requests.
 * Consumption pauses while the queue is full.
 */
public final class LabelRequestFeed implements AutoCloseable {

    /** Consumer group of the human-labeling front ends. */
    public static final String GROUP = "prefstream-labeler-human";

    private static final Logger log = LoggerFactory.getLogger(LabelRequestFeed.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final long COMMIT_EVERY_MS = 1_000;

    private final Consumer<byte[], byte[]> consumer;
    private final RequestQueue queue;
    private final DeadLetterPublisher deadLetters;
    private final AvroDecoder<LabelRequest> decoder;
    private final Thread thread;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong skipped = new AtomicLong();
    private volatile Throwable failure;
    private Map<TopicPartition, Long> committed = Map.of();

    public LabelRequestFeed(
            Consumer<byte[], byte[]> consumer,
            RequestQueue queue,
            DeadLetterPublisher deadLetters,
            SchemaRegistryClient registry) {
        this.consumer = consumer;
        this.queue = queue;
        this.deadLetters = deadLetters;
        this.decoder = new AvroDecoder<>(LabelRequest.class, registry);
        this.thread = new Thread(this::run, "prefstream-labeler-request-feed");
    }

    public LabelRequestFeed start() {
        thread.start();
        return this;
    }

    public HealthStatus health() {
        if (thread.isAlive()) {
            return HealthStatus.up(queue.depth() + " requests queued");
        }
        return HealthStatus.down(failure == null ? "stopped" : "failed: " + failure);
    }

    /** Requests skipped because they are for another labeler kind. */
    public long skipped() {
        return skipped.get();
    }

    private void run() {
        boolean paused = false;
        long lastCommit = 0;
        try {
            consumer.subscribe(List.of(Topics.LABEL_REQUESTS.name()), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    commit();
                    queue.drop(partitions);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}
            });
            while (running.get()) {
                boolean full = queue.full();
                if (full != paused) {
                    if (full) {
                        consumer.pause(consumer.assignment());
                    } else {
                        consumer.resume(consumer.paused());
                    }
                    paused = full;
                    log.info("Label-request feed {} (queue depth {})", full ? "paused" : "resumed", queue.depth());
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    accept(record);
                }
                queue.sweep();
                if (System.currentTimeMillis() - lastCommit >= COMMIT_EVERY_MS) {
                    commit();
                    lastCommit = System.currentTimeMillis();
                }
            }
        } catch (WakeupException e) {
            if (running.get()) {
                failure = e;
            }
        } catch (RuntimeException e) {
            failure = e;
            log.error(
                    "Label-request feed stopped: {}; unanswered requests will be re-read on restart", e.toString(), e);
        } finally {
            if (failure == null) {
                try {
                    commit(); // what was answered before close
                } catch (RuntimeException e) {
                    log.warn("Final commit of label-request offsets failed: {}", e.toString());
                }
            }
            consumer.close();
        }
    }

    private void accept(ConsumerRecord<byte[], byte[]> record) {
        var partition = new TopicPartition(record.topic(), record.partition());
        LabelRequest request;
        try {
            request = decoder.decode(record);
            if (request == null) {
                throw new RecordDecodingException(
                        record.topic(),
                        record.partition(),
                        record.offset(),
                        "null value (tombstone) where a LabelRequest was expected",
                        null);
            }
        } catch (RecordDecodingException e) {
            deadLetter(record, "undecodable", e);
            queue.seen(partition, record.offset());
            return;
        }
        if (request.getRequestedKind() != LabelKind.HUMAN) {
            skipped.incrementAndGet();
            queue.seen(partition, record.offset());
            return;
        }
        var candidates = request.getCandidates();
        if (candidates.size() != 2
                || candidates.get(0).getIndex() == candidates.get(1).getIndex()) {
            deadLetter(
                    record,
                    "unsupported-request",
                    new IllegalArgumentException("request "
                            + request.getRequestId() + " has " + candidates.size() + " candidates "
                            + candidates.stream().map(c -> c.getIndex()).toList()
                            + "; the human labeling API compares exactly two distinct ones"));
            queue.seen(partition, record.offset());
            return;
        }
        if (queue.offer(request, partition, record.offset())) {
            log.debug("Queued request {} for rollout {}", request.getRequestId(), request.getRolloutId());
        }
    }

    private void deadLetter(ConsumerRecord<byte[], byte[]> record, String reason, Exception error) {
        try {
            deadLetters.send(record, GROUP, reason, error).get();
        } catch (ExecutionException e) {
            throw new KafkaException(
                    "cannot dead-letter " + record.topic() + "-" + record.partition() + "@" + record.offset() + ": "
                            + e.getCause(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while dead-lettering", e);
        }
    }

    private void commit() {
        var offsets = queue.committableOffsets();
        if (offsets.equals(committed)) {
            return;
        }
        var commit = new HashMap<TopicPartition, OffsetAndMetadata>();
        offsets.forEach((p, o) -> {
            if (consumer.assignment().contains(p)) {
                commit.put(p, new OffsetAndMetadata(o));
            }
        });
        try {
            consumer.commitSync(commit);
            committed = offsets;
        } catch (KafkaException e) {
            log.warn("Could not commit label-request offsets {}: {}", commit, e.toString());
        }
    }

    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
