package io.prefstream.launcher.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.List;

/**
 * What reaches the terminal: warnings and errors from Prefstream's own code, and errors from
 * libraries, except those of the embedded broker's internals. Kafka warns routinely during normal
 * operation (rebalances, metadata refreshes, a topic not yet known), and the embedded broker logs
 * errors when clients go away during a shutdown (e.g. a fenced idempotent producer); those go to
 * the run's log file only, so the status line stays readable. Failures that matter surface as a
 * service's health or a command's error message.
 */
public final class TerminalFilter extends Filter<ILoggingEvent> {

    /** Loggers of the broker and controller running inside the launcher's JVM. */
    private static final List<String> BROKER_LOGGERS = List.of(
            "kafka.",
            "state.change.logger",
            "org.apache.kafka.server",
            "org.apache.kafka.storage",
            "org.apache.kafka.controller",
            "org.apache.kafka.raft",
            "org.apache.kafka.metadata",
            "org.apache.kafka.coordinator",
            "org.apache.kafka.image",
            "org.apache.kafka.queue");

    /**
     * For a long-running service command (generator, labeler, trainer, up): its terminal is its log
     * (what {@code docker logs} shows), so Prefstream's INFO lines (resume points, policy versions,
     * rebalances) reach it too.
     */
    private static volatile boolean serviceProcess;

    /** Whether Prefstream's INFO lines reach the terminal from now on (see {@link #serviceProcess}). */
    public static void showServiceInfo(boolean show) {
        serviceProcess = show;
    }

    @Override
    public FilterReply decide(ILoggingEvent event) {
        if (event.getMarkerList() != null && event.getMarkerList().contains(RunLog.FILE_ONLY)) {
            return FilterReply.DENY;
        }
        Level level = event.getLevel();
        String logger = event.getLoggerName();
        if (logger.startsWith("io.prefstream.")) {
            Level shown = serviceProcess ? Level.INFO : Level.WARN;
            return level.isGreaterOrEqual(shown) ? FilterReply.NEUTRAL : FilterReply.DENY;
        }
        if (level.isGreaterOrEqual(Level.ERROR) && BROKER_LOGGERS.stream().noneMatch(logger::startsWith)) {
            return FilterReply.NEUTRAL;
        }
        return FilterReply.DENY;
    }
}
