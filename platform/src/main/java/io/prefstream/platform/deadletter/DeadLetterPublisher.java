package io.prefstream.platform.deadletter;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.prefstream.schemas.topics.Topics;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends records a service cannot process to the dead-letter topic, so that nothing is lost and the
 * service goes on: the original key, value and headers, plus {@link DeadLetterHeaders} naming the
 * source topic/partition/offset, the service, the error and the reason. Every send is logged with
 * its source coordinates and counted in {@value #COUNTER} (tags {@code service},
 * {@code source_topic}, {@code reason}). The producer is the caller's; it should be idempotent.
 */
public final class DeadLetterPublisher {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterPublisher.class);

    /** Micrometer counter of dead-lettered records (Prometheus: {@code prefstream_dead_letters_total}). */
    public static final String COUNTER = "prefstream.dead.letters";
    /** Reason used when only an exception is given. */
    public static final String REASON_EXCEPTION = "handler-exception";

    private final Producer<byte[], byte[]> producer;
    private final MeterRegistry registry;
    private final String topic;

    /** Publishes to {@link Topics#DEAD_LETTERS}. */
    public DeadLetterPublisher(Producer<byte[], byte[]> producer, MeterRegistry registry) {
        this(producer, registry, Topics.DEAD_LETTERS.name());
    }

    /** Publishes to {@link Topics#DEAD_LETTERS} through {@code producer}. */
    public DeadLetterPublisher(io.prefstream.platform.kafka.TopicProducer producer, MeterRegistry registry) {
        this(producer.kafkaProducer(), registry);
    }

    /** Publishes to {@code topic} through {@code producer}. */
    public DeadLetterPublisher(
            io.prefstream.platform.kafka.TopicProducer producer,
            MeterRegistry registry,
            io.prefstream.schemas.topics.RawTopic topic) {
        this(producer.kafkaProducer(), registry, topic.name());
    }

    /** Publishes to {@code topic} (tests, or a service-specific dead-letter topic). */
    public DeadLetterPublisher(Producer<byte[], byte[]> producer, MeterRegistry registry, String topic) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.topic = Objects.requireNonNull(topic, "topic");
    }

    /** Dead-letters {@code original} because processing threw {@code error}. */
    public CompletableFuture<RecordMetadata> send(
            ConsumerRecord<byte[], byte[]> original, String service, Throwable error) {
        return send(original, service, REASON_EXCEPTION, Objects.requireNonNull(error, "error"));
    }

    /** Dead-letters {@code original} for {@code reason} (no exception, e.g. a failed validation). */
    public CompletableFuture<RecordMetadata> send(
            ConsumerRecord<byte[], byte[]> original, String service, String reason) {
        return send(original, service, reason, null);
    }

    /**
     * Dead-letters {@code original}.
     *
     * @return the send's future; the caller must see it complete before committing the original's offset
     */
    public CompletableFuture<RecordMetadata> send(
            ConsumerRecord<byte[], byte[]> original, String service, String reason, Throwable error) {
        Objects.requireNonNull(original, "original");
        var source = SourcedRecord.of(original);
        var letter = Letter.of(source, service, reason, "", error, System.currentTimeMillis());
        logAndCount(registry, source, service, reason, error == null ? "-" : error.toString());
        var acked = new CompletableFuture<RecordMetadata>();
        try {
            producer.send(
                    new ProducerRecord<>(topic, null, null, letter.key(), letter.value(), letter.headers()),
                    (metadata, failure) -> {
                        if (failure == null) {
                            acked.complete(metadata);
                        } else {
                            acked.completeExceptionally(failure);
                        }
                    });
        } catch (RuntimeException e) {
            acked.completeExceptionally(e);
        }
        return acked;
    }

    /** Logs a dead letter of {@code source} with its coordinates and counts it in {@value #COUNTER}. */
    static void logAndCount(MeterRegistry registry, SourcedRecord source, String service, String reason, String why) {
        log.warn("Dead-lettering {} from {} ({}): {}", source.coordinates(), service, reason, why);
        Counter.builder(COUNTER)
                .description("Records sent to the dead-letter topic")
                .tag("service", service)
                .tag("source_topic", source.topic())
                .tag("reason", reason)
                .register(registry)
                .increment();
    }
}
