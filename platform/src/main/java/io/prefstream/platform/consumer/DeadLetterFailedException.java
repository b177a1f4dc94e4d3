package io.prefstream.platform.consumer;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.KafkaException;

/** A record could be neither processed nor dead-lettered; committing past it would lose it. */
public final class DeadLetterFailedException extends KafkaException {

    DeadLetterFailedException(ConsumerRecord<?, ?> record, Throwable cause) {
        super(
                "Cannot write dead letter for " + record.topic() + "-" + record.partition() + "@" + record.offset()
                        + ": " + cause,
                cause);
    }
}
