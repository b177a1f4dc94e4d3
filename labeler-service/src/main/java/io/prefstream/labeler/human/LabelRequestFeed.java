package io.prefstream.labeler.human;

import io.prefstream.platform.consumer.CommitPolicy;
import io.prefstream.platform.consumer.ConsumerLoop;
import io.prefstream.platform.consumer.LoopControl;
import io.prefstream.platform.consumer.RecordProcessor;
import io.prefstream.platform.consumer.Rejection;
import io.prefstream.platform.metrics.HealthStatus;
import io.prefstream.schemas.LabelKind;
import io.prefstream.schemas.LabelRequest;
import io.prefstream.schemas.registry.SchemaRegistryClient;
import io.prefstream.schemas.serde.RecordDecodingException;
import io.prefstream.schemas.topics.TopicCodec;
import io.prefstream.schemas.topics.Topics;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds {@code prefstream.label-requests} into the {@link RequestQueue} (consumer group
 * {@value #GROUP}; several labeler instances split the partitions). Requests for HUMAN labelers
 * with exactly two candidates are queued; requests for other labeler kinds are skipped (they are
 * some other consumer's work); a record that cannot be decoded, or a HUMAN request that is not a
 * pair, goes to the dead-letter topic. A queued request's offset counts as done only once the
 * request is closed (answered, or dropped at its deadline), and offsets are committed up to the
 * oldest request still open, at most every {@value #COMMIT_EVERY_MS} ms ({@link ConsumerLoop}), so
 * a restart re-reads unanswered requests. Consumption pauses while the queue is full.
 */
public final class LabelRequestFeed implements AutoCloseable, RecordProcessor {

    /** Consumer group of the human-labeling front ends. */
    public static final String GROUP = "prefstream-labeler-human";

    private static final Logger log = LoggerFactory.getLogger(LabelRequestFeed.class);
    private static final long COMMIT_EVERY_MS = 1_000;

    private final RequestQueue queue;
    private final TopicCodec<LabelRequest> requests;
    private final AtomicLong skipped = new AtomicLong();
    private final ConsumerLoop loop;

    /**
     * @param source the loop's consumer (in group {@value #GROUP}) and dead-letter publisher
     */
    public LabelRequestFeed(ConsumerLoop.Builder source, RequestQueue queue, SchemaRegistryClient registry) {
        this.queue = queue;
        this.requests = Topics.LABEL_REQUESTS.codec(registry);
        this.loop = source.topics(Topics.LABEL_REQUESTS.name())
                .processor(this)
                .service(GROUP)
                .threadName("prefstream-labeler-request-feed")
                .commitPolicy(CommitPolicy.every(Duration.ofMillis(COMMIT_EVERY_MS)))
                .pauseWhen(queue::full)
                .build();
    }

    public LabelRequestFeed start() {
        loop.start();
        return this;
    }

    public HealthStatus health() {
        var status = loop.health();
        return status.healthy() ? HealthStatus.up(queue.depth() + " requests queued") : status;
    }

    /** Requests skipped because they are for another labeler kind. */
    public long skipped() {
        return skipped.get();
    }

    /** Queues a HUMAN pair request; its record is done when the request closes. */
    @Override
    public CompletableFuture<?> process(ConsumerRecord<byte[], byte[]> record, LoopControl control) {
        LabelRequest request = requests.decode(record);
        if (request == null) {
            throw new RecordDecodingException(
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    "null value (tombstone) where a LabelRequest was expected",
                    null);
        }
        if (request.getRequestedKind() != LabelKind.HUMAN) {
            skipped.incrementAndGet();
            return CompletableFuture.completedFuture(null);
        }
        var candidates = request.getCandidates();
        if (candidates.size() != 2
                || candidates.get(0).getIndex() == candidates.get(1).getIndex()) {
            throw new UnsupportedRequest("request "
                    + request.getRequestId() + " has " + candidates.size() + " candidates "
                    + candidates.stream().map(c -> c.getIndex()).toList()
                    + "; the human labeling API compares exactly two distinct ones");
        }
        CompletableFuture<Void> closed = queue.offer(request, new TopicPartition(record.topic(), record.partition()));
        if (!closed.isDone()) {
            log.debug("Queued request {} for rollout {}", request.getRequestId(), request.getRolloutId());
        }
        return closed;
    }

    /** Ends expired leases and drops requests past their deadline, every turn. */
    @Override
    public Duration beforePoll(Duration pollTimeout, LoopControl control) {
        queue.sweep();
        return pollTimeout;
    }

    @Override
    public void released(Collection<TopicPartition> partitions) {
        queue.drop(partitions);
    }

    @Override
    public void close() {
        loop.close();
    }

    /** A HUMAN request the labeling API cannot show. */
    private static final class UnsupportedRequest extends IllegalArgumentException implements Rejection {
        UnsupportedRequest(String message) {
            super(message);
        }

        @Override
        public String reason() {
            return "unsupported-request";
        }
    }
}
