package io.prefstream.launcher.logging;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;
import org.slf4j.MarkerFactory;

/**
 * The log file of one run: every logger at its configured level (INFO for Prefstream, WARN for
 * Kafka and DJL) goes to {@code <data-dir>/prefstream.log}, while the terminal keeps only what
 * {@link TerminalFilter} lets through. Closing detaches the file again (tests run several
 * commands in one JVM).
 */
public final class RunLog implements AutoCloseable {

    /** Marks an event for the log file only, e.g. the stack trace of an error the terminal already shows. */
    public static final Marker FILE_ONLY = MarkerFactory.getMarker("FILE_ONLY");

    /** System property holding the current log file, for messages that point the user to it. */
    public static final String PROPERTY = "prefstream.log.file";

    private static final String APPENDER = "RUN_FILE";

    private final Path file;
    private final FileAppender<ILoggingEvent> appender;

    private RunLog(Path file, FileAppender<ILoggingEvent> appender) {
        this.file = file;
        this.appender = appender;
    }

    /** Largest size of a service's log file before it rolls over. */
    static final String SERVICE_LOG_MAX_SIZE = "50MB";
    /** Rolled-over files kept next to a service's log ({@code <name>.1.log} … ). */
    static final int SERVICE_LOG_KEPT = 5;

    /**
     * A long-running service's log: every event to {@code file}, rolled over at
     * {@value #SERVICE_LOG_MAX_SIZE} with {@value #SERVICE_LOG_KEPT} older files kept.
     */
    public static RunLog rolling(Path file) {
        var context = (LoggerContext) LoggerFactory.getILoggerFactory();
        var appender = new ch.qos.logback.core.rolling.RollingFileAppender<ILoggingEvent>();
        var rolling = new ch.qos.logback.core.rolling.FixedWindowRollingPolicy();
        rolling.setContext(context);
        rolling.setParent(appender);
        String name = file.toAbsolutePath().toString();
        String stem = name.endsWith(".log") ? name.substring(0, name.length() - 4) : name;
        rolling.setFileNamePattern(stem + ".%i.log");
        rolling.setMinIndex(1);
        rolling.setMaxIndex(SERVICE_LOG_KEPT);
        var trigger = new ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy<ILoggingEvent>();
        trigger.setContext(context);
        trigger.setMaxFileSize(ch.qos.logback.core.util.FileSize.valueOf(SERVICE_LOG_MAX_SIZE));
        appender.setRollingPolicy(rolling);
        appender.setTriggeringPolicy(trigger);
        return attach(file, appender, "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n", () -> {
            rolling.start();
            trigger.start();
        });
    }

    /** Starts appending every log event to {@code file} (created with its parent directories). */
    public static RunLog to(Path file) {
        return attach(file, new FileAppender<>(), "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n", () -> {});
    }

    /** Sets {@code appender} up on {@code file} with {@code pattern} and adds it to the root logger. */
    private static RunLog attach(Path file, FileAppender<ILoggingEvent> appender, String pattern, Runnable before) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the directory of log file " + file, e);
        }
        var context = (LoggerContext) LoggerFactory.getILoggerFactory();
        var encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(pattern);
        encoder.start();
        appender.setContext(context);
        appender.setName(APPENDER);
        appender.setFile(file.toAbsolutePath().toString());
        appender.setAppend(true);
        appender.setEncoder(encoder);
        before.run();
        appender.start();
        context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(appender);
        System.setProperty(PROPERTY, file.toAbsolutePath().toString());
        return new RunLog(file, appender);
    }

    public Path file() {
        return file;
    }

    @Override
    public void close() {
        var context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(appender);
        appender.stop();
        System.clearProperty(PROPERTY);
    }
}
