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

    /** Starts appending every log event to {@code file} (created with its parent directories). */
    public static RunLog to(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the directory of log file " + file, e);
        }
        var context = (LoggerContext) LoggerFactory.getILoggerFactory();
        var encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n");
        encoder.start();
        var appender = new FileAppender<ILoggingEvent>();
        appender.setContext(context);
        appender.setName(APPENDER);
        appender.setFile(file.toAbsolutePath().toString());
        appender.setAppend(true);
        appender.setEncoder(encoder);
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
