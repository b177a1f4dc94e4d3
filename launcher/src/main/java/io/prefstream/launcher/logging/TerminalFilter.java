package io.prefstream.launcher.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;

/**
 * What reaches the terminal: errors from anyone, warnings from Prefstream's own code. Kafka and
 * its clients warn routinely during normal operation (rebalances, metadata refreshes, a topic
 * not yet known); those warnings go to the run's log file only, so the status line stays
 * readable.
 */
public final class TerminalFilter extends Filter<ILoggingEvent> {

    @Override
    public FilterReply decide(ILoggingEvent event) {
        Level level = event.getLevel();
        if (level.isGreaterOrEqual(Level.ERROR)) {
            return FilterReply.NEUTRAL;
        }
        if (level.isGreaterOrEqual(Level.WARN) && event.getLoggerName().startsWith("io.prefstream.")) {
            return FilterReply.NEUTRAL;
        }
        return FilterReply.DENY;
    }
}
