package io.prefstream.trainer.batcher;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.prefstream.platform.deadletter.DeadLetterHeaders;
import io.prefstream.platform.deadletter.DeadLetterPublisher;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dead letters written by a Kafka Streams sink instead of a separate producer, so they commit in
 * the same exactly-once transaction as the input offsets: a record is dead-lettered once, never
 * lost between the two. The headers and the counter are those of the platform's
 * {@link DeadLetterPublisher}, so {@code DeadLetter.from} reads them and dashboards count them alike.
 */
final class StreamsDeadLetters {

    private static final Logger log = LoggerFactory.getLogger(StreamsDeadLetters.class);

    private final String service;
    private final MeterRegistry meters;

    StreamsDeadLetters(String service, MeterRegistry meters) {
        this.service = service;
        this.meters = meters;
    }

    /**
     * Adds the {@code dlq.*} headers to {@code headers} (the original record's, copied by the caller),
     * logs and counts the dead letter.
     */
    Headers annotate(Headers headers, String topic, int partition, long offset, long timestamp, String reason,
                     Throwable error) {
        headers.add(DeadLetterHeaders.SOURCE_TOPIC, bytes(topic));
        headers.add(DeadLetterHeaders.SOURCE_PARTITION, bytes(Integer.toString(partition)));
        headers.add(DeadLetterHeaders.SOURCE_OFFSET, bytes(Long.toString(offset)));
        headers.add(DeadLetterHeaders.SOURCE_TIMESTAMP, bytes(Long.toString(timestamp)));
        headers.add(DeadLetterHeaders.SERVICE, bytes(service));
        headers.add(DeadLetterHeaders.EXCEPTION_CLASS, bytes(error == null ? "" : error.getClass().getName()));
        headers.add(DeadLetterHeaders.EXCEPTION_MESSAGE, bytes(error == null ? "" : String.valueOf(error.getMessage())));
        if (error != null) {
            var trace = new StringWriter();
            error.printStackTrace(new PrintWriter(trace));
            String s = trace.toString();
            headers.add(DeadLetterHeaders.EXCEPTION_STACKTRACE,
                    bytes(s.length() <= DeadLetterHeaders.MAX_STACKTRACE_CHARS ? s
                            : s.substring(0, DeadLetterHeaders.MAX_STACKTRACE_CHARS)));
        }
        headers.add(DeadLetterHeaders.REASON, bytes(reason));
        headers.add(DeadLetterHeaders.TIMESTAMP, bytes(Long.toString(System.currentTimeMillis())));
        log.warn("Dead-lettering {}-{}@{} from {} ({}): {}", topic, partition, offset, service, reason,
                error == null ? "-" : error.toString());
        Counter.builder(DeadLetterPublisher.COUNTER).description("Records sent to the dead-letter topic")
                .tag("service", service).tag("source_topic", topic).tag("reason", reason)
                .register(meters).increment();
        return headers;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }
}
