package io.prefstream.platform.deadletter;

import io.prefstream.schemas.topics.Topics;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last line of "one record never stops a service" in Kafka Streams: when a dead letter cannot
 * be written (it is bounded to fit, see {@link Letter}, so this takes a broker or producer limit
 * set below the defaults), the failure is logged with the record's coordinates and the app goes on;
 * a failed write to any other topic still stops the app, since skipping it would lose data.
 */
public final class DeadLetterProductionHandler implements ProductionExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterProductionHandler.class);

    private String application = "streams";

    @Override
    public void configure(Map<String, ?> configs) {
        Object id = configs.get(StreamsConfig.APPLICATION_ID_CONFIG);
        if (id != null) {
            application = id.toString();
        }
    }

    @Override
    public ProductionExceptionHandlerResponse handle(
            ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        if (!isDeadLetter(record.topic())) {
            return ProductionExceptionHandlerResponse.FAIL;
        }
        log.error(
                "{} could not write a dead letter to {} ({}); the record it carries stays in {}-{} at offset {}",
                application,
                record.topic(),
                exception.toString(),
                context == null ? "?" : context.topic(),
                context == null ? -1 : context.partition(),
                context == null ? -1 : context.offset());
        return ProductionExceptionHandlerResponse.CONTINUE;
    }

    static boolean isDeadLetter(String topic) {
        return topic.startsWith(Topics.DEAD_LETTERS.name());
    }
}
