package io.prefstream.platform.deadletter;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.prefstream.platform.topics.Topics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Objects;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
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

    /** Publishes to {@code topic} (tests, or a service-specific dead-letter topic). */
    public DeadLetterPublisher(Producer<byte[], byte[]> producer, MeterRegistry registry, String topic) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.topic = Objects.requireNonNull(topic, "topic");
    }

    /** Dead-letters {@code original} because processing threw {@code error}. */
    public Future<RecordMetadata> send(ConsumerRecord<byte[], byte[]> original, String service, Throwable error) {
        return send(original, service, REASON_EXCEPTION, Objects.requireNonNull(error, "error"));
    }

    /** Dead-letters {@code original} for {@code reason} (no exception, e.g. a failed validation). */
    public Future<RecordMetadata> send(ConsumerRecord<byte[], byte[]> original, String service, String reason) {
        return send(original, service, reason, null);
    }

    /**
     * Dead-letters {@code original}.
     *
     * @return the send's future; the caller must see it complete before committing the original's offset
     */
    public Future<RecordMetadata> send(ConsumerRecord<byte[], byte[]> original, String service, String reason,
                                       Throwable error) {
        Objects.requireNonNull(original, "original");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(reason, "reason");
        var headers = new RecordHeaders();
        for (Header h : original.headers()) {
            headers.add(h);
        }
        headers.add(DeadLetterHeaders.SOURCE_TOPIC, bytes(original.topic()));
        headers.add(DeadLetterHeaders.SOURCE_PARTITION, bytes(Integer.toString(original.partition())));
        headers.add(DeadLetterHeaders.SOURCE_OFFSET, bytes(Long.toString(original.offset())));
        headers.add(DeadLetterHeaders.SOURCE_TIMESTAMP, bytes(Long.toString(original.timestamp())));
        headers.add(DeadLetterHeaders.SERVICE, bytes(service));
        headers.add(DeadLetterHeaders.EXCEPTION_CLASS, bytes(error == null ? "" : error.getClass().getName()));
        headers.add(DeadLetterHeaders.EXCEPTION_MESSAGE, bytes(error == null ? "" : messages(error)));
        if (error != null) {
            headers.add(DeadLetterHeaders.EXCEPTION_STACKTRACE, bytes(stackTrace(error)));
        }
        headers.add(DeadLetterHeaders.REASON, bytes(reason));
        headers.add(DeadLetterHeaders.TIMESTAMP, bytes(Long.toString(System.currentTimeMillis())));
        log.warn("Dead-lettering {}-{}@{} from {} ({}): {}", original.topic(), original.partition(), original.offset(),
                service, reason, error == null ? "-" : error.toString());
        Counter.builder(COUNTER).description("Records sent to the dead-letter topic")
                .tag("service", service).tag("source_topic", original.topic()).tag("reason", reason)
                .register(registry).increment();
        return producer.send(new ProducerRecord<>(topic, null, null, original.key(), original.value(), headers));
    }

    /** The exception's message followed by its causes' ({@code msg <- cause msg}). */
    private static String messages(Throwable error) {
        var out = new StringBuilder(String.valueOf(error.getMessage()));
        Throwable c = error.getCause();
        for (int depth = 0; c != null && depth < 10; depth++, c = c.getCause()) {
            out.append(" <- ").append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
        }
        return out.toString();
    }

    private static String stackTrace(Throwable error) {
        var out = new StringWriter();
        error.printStackTrace(new PrintWriter(out));
        String s = out.toString();
        return s.length() <= DeadLetterHeaders.MAX_STACKTRACE_CHARS ? s
                : s.substring(0, DeadLetterHeaders.MAX_STACKTRACE_CHARS);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }
}
