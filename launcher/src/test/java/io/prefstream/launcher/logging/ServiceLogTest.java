package io.prefstream.launcher.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.spi.FilterReply;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Issue 18, item 8: a standalone service keeps its INFO lines (resume points) on its terminal and in a log file. */
class ServiceLogTest {

    @TempDir
    Path dir;

    private static LoggingEvent event(String logger, Level level) {
        var context = (LoggerContext) LoggerFactory.getILoggerFactory();
        return new LoggingEvent(logger, context.getLogger(logger), level, "resuming at offset 42", null, null);
    }

    @Test
    void aServiceShowsPrefstreamInfoLinesWhereTheInteractiveCliDoesNot() {
        var filter = new TerminalFilter();
        var info = event("io.prefstream.trainer.loop.TrainingLoop", Level.INFO);
        var kafkaInfo = event("org.apache.kafka.clients.consumer.KafkaConsumer", Level.INFO);
        try {
            TerminalFilter.showServiceInfo(false);
            assertEquals(FilterReply.DENY, filter.decide(info), "the CLI's terminal is its user interface");
            TerminalFilter.showServiceInfo(true);
            assertEquals(FilterReply.NEUTRAL, filter.decide(info), "a service's terminal is its log");
            assertEquals(FilterReply.DENY, filter.decide(kafkaInfo), "libraries stay quiet below ERROR");
        } finally {
            TerminalFilter.showServiceInfo(false);
        }
    }

    @Test
    void aServiceLogFileKeepsInfoLines() throws Exception {
        Path file = dir.resolve("logs").resolve("trainer.log");
        try (var log = RunLog.rolling(file)) {
            LoggerFactory.getLogger("io.prefstream.trainer.loop.TrainingLoop")
                    .info("Resuming policy p from step 40, after batch offset 41");
        }
        String text = Files.readString(file);
        assertTrue(text.contains("INFO") && text.contains("after batch offset 41"), text);
    }
}
