package io.prefstream.platform.deadletter;

import static java.nio.charset.StandardCharsets.UTF_8;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * A record read back from the dead-letter topic, with its {@code dlq.*} headers parsed.
 *
 * @param sourceTopic      topic the original was read from
 * @param sourcePartition  its partition
 * @param sourceOffset     its offset
 * @param service          service that dead-lettered it
 * @param exceptionClass   exception class name, empty when none
 * @param exceptionMessage exception message, empty when none
 * @param reason           reason given
 * @param timestamp        when it was dead-lettered (epoch ms)
 * @param key              original key bytes (may be {@code null})
 * @param value            original value bytes (may be {@code null})
 */
public record DeadLetter(
        String sourceTopic,
        int sourcePartition,
        long sourceOffset,
        String service,
        String exceptionClass,
        String exceptionMessage,
        String reason,
        long timestamp,
        byte[] key,
        byte[] value) {

    /**
     * Parses a record of the dead-letter topic.
     *
     * @throws IllegalArgumentException when a required {@code dlq.*} header is missing or malformed
     */
    public static DeadLetter from(ConsumerRecord<byte[], byte[]> record) {
        return new DeadLetter(
                header(record, DeadLetterHeaders.SOURCE_TOPIC),
                Integer.parseInt(header(record, DeadLetterHeaders.SOURCE_PARTITION)),
                Long.parseLong(header(record, DeadLetterHeaders.SOURCE_OFFSET)),
                header(record, DeadLetterHeaders.SERVICE),
                header(record, DeadLetterHeaders.EXCEPTION_CLASS),
                header(record, DeadLetterHeaders.EXCEPTION_MESSAGE),
                header(record, DeadLetterHeaders.REASON),
                Long.parseLong(header(record, DeadLetterHeaders.TIMESTAMP)),
                record.key(),
                record.value());
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        if (h == null || h.value() == null) {
            throw new IllegalArgumentException("Record " + record.topic() + "-" + record.partition() + "@"
                    + record.offset() + " is not a dead letter: expected header " + name + ", found none");
        }
        return new String(h.value(), UTF_8);
    }
}
