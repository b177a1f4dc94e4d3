package io.prefstream.platform.deadletter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.prefstream.schemas.topics.Topics;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.ProductionExceptionHandlerResponse;
import org.junit.jupiter.api.Test;

class DeadLetterProductionHandlerTest {

    private final DeadLetterProductionHandler handler = new DeadLetterProductionHandler();

    @Test
    void aDeadLetterThatCannotBeWrittenIsSkippedButAnyOtherOutputStopsTheApp() {
        var tooLarge = new RecordTooLargeException("over max.request.size");
        assertEquals(
                ProductionExceptionHandlerResponse.CONTINUE,
                handler.handle(
                        null, new ProducerRecord<>(Topics.DEAD_LETTERS.name(), new byte[1], new byte[1]), tooLarge));
        assertEquals(
                ProductionExceptionHandlerResponse.FAIL,
                handler.handle(
                        null,
                        new ProducerRecord<>(Topics.TRAINING_BATCHES.name(), new byte[1], new byte[1]),
                        tooLarge));
    }
}
