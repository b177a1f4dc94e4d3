package io.prefstream.labeler.join;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.prefstream.platform.deadletter.DeadLetterHeaders;
import io.prefstream.platform.deadletter.DeadLetterPublisher;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.apache.kafka.common.header.Headers;

/**
 * Dead letters written from inside the label join's topology. They go through a Streams sink, so
 * they are part of the same exactly-once transaction as the join's other output, and carry exactly
 * the {@link DeadLetterHeaders} that {@link DeadLetterPublisher} writes (readable with
 * {@code DeadLetter.from}) and count in the same {@value DeadLetterPublisher#COUNTER} counter.
 */
final class DeadLetterRecords {

    private DeadLetterRecords() {
    }

    /**
     * The original headers of {@code source} plus the {@code dlq.*} headers. {@code reason} is the
     * short machine-readable reason; {@code detail} (used when there is no {@code error}) explains it
     * in the exception-message header.
     */
    static Headers headers(JoinInput source, String service, String reason, String detail, Throwable error,
                           long nowMs, MeterRegistry registry) {
        var headers = source.kafkaHeaders();
        headers.add(DeadLetterHeaders.SOURCE_TOPIC, bytes(source.topic()));
        headers.add(DeadLetterHeaders.SOURCE_PARTITION, bytes(Integer.toString(source.partition())));
        headers.add(DeadLetterHeaders.SOURCE_OFFSET, bytes(Long.toString(source.offset())));
        headers.add(DeadLetterHeaders.SOURCE_TIMESTAMP, bytes(Long.toString(source.timestamp())));
        headers.add(DeadLetterHeaders.SERVICE, bytes(service));
        headers.add(DeadLetterHeaders.EXCEPTION_CLASS, bytes(error == null ? "" : error.getClass().getName()));
        headers.add(DeadLetterHeaders.EXCEPTION_MESSAGE, bytes(error == null ? detail : String.valueOf(error.getMessage())));
        if (error != null) {
            var trace = new StringWriter();
            error.printStackTrace(new PrintWriter(trace));
            String s = trace.toString();
            headers.add(DeadLetterHeaders.EXCEPTION_STACKTRACE,
                    bytes(s.length() <= DeadLetterHeaders.MAX_STACKTRACE_CHARS ? s
                            : s.substring(0, DeadLetterHeaders.MAX_STACKTRACE_CHARS)));
        }
        headers.add(DeadLetterHeaders.REASON, bytes(reason));
        headers.add(DeadLetterHeaders.TIMESTAMP, bytes(Long.toString(nowMs)));
        Counter.builder(DeadLetterPublisher.COUNTER).description("Records sent to the dead-letter topic")
                .tag("service", service).tag("source_topic", source.topic()).tag("reason", reason)
                .register(registry).increment();
        return headers;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }
}
