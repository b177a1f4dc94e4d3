package io.prefstream.launcher;

import io.prefstream.generator.PromptFileException;
import io.prefstream.launcher.load.InvalidInputException;
import io.prefstream.launcher.logging.RunLog;
import io.prefstream.platform.config.ConfigException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code prefstream} command: entry point of every subcommand. */
@Command(
        name = "prefstream",
        mixinStandardHelpOptions = true,
        version = "prefstream 0.1.0",
        description = "Streaming online preference learning on Apache Kafka.",
        subcommands = {
            // one line per subcommand class, in alphabetical order
            BenchCommand.class,
            BootstrapCommand.class,
            CleanCommand.class,
            DemoCommand.class,
            EvalCommand.class,
            ExperimentCommand.class,
            ExportCommand.class,
            GeneratorCommand.class,
            CommandLine.HelpCommand.class,
            InspectCommand.class,
            LabelerCommand.class,
            LagCommand.class,
            OfflineCommand.class,
            PromptsCommand.class,
            SftCommand.class,
            TrainerCommand.class,
            UpCommand.class,
        })
public final class PrefstreamCommand implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(PrefstreamCommand.class);

    /** Exit code of a command stopped by a user error (bad input file, bad option value, bad config). */
    public static final int EXIT_USAGE = 2;
    /** Exit code of a command that failed at run time (cluster unreachable, training failed, ...). */
    public static final int EXIT_FAILURE = 1;

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** The command line with Prefstream's error handling; tests execute commands through it. */
    public static CommandLine commandLine() {
        var cli = new CommandLine(new PrefstreamCommand());
        cli.setExecutionExceptionHandler(PrefstreamCommand::handle);
        cli.setParameterExceptionHandler(PrefstreamCommand::handleParameterError);
        return cli;
    }

    /**
     * Errors a user can act on ({@link UsageException}, a bad input file, a bad setting) are printed
     * as one message without a stack trace and exit with {@link #EXIT_USAGE}. Anything else is a
     * failure: its cause chain is printed, its stack trace goes to the run's log file (or a file of
     * its own when the command has none), and a programming error is called an internal error, so a
     * bug does not look like the user's mistake.
     */
    private static int handle(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        PrintWriter err = cli.getErr();
        String prefix = "prefstream " + cli.getCommandName() + ": ";
        log.debug("Command {} failed", cli.getCommandName(), e);
        if (isUsageError(e)) {
            err.println(prefix + e.getMessage());
            err.flush();
            return EXIT_USAGE;
        }
        var message = new StringBuilder(prefix);
        if (isProgrammingError(e)) {
            message.append("internal error (a bug in prefstream; please report it with the log below): ")
                    .append(e);
        } else {
            message.append(e.getMessage() == null ? e.toString() : e.getMessage());
        }
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            if (cause.getMessage() != null && !message.toString().contains(cause.getMessage())) {
                message.append("\n  caused by ")
                        .append(cause.getClass().getSimpleName())
                        .append(": ")
                        .append(cause.getMessage());
            }
        }
        String logFile = System.getProperty(RunLog.PROPERTY);
        if (logFile != null) {
            log.error(RunLog.FILE_ONLY, "Command {} failed", cli.getCommandName(), e);
        } else {
            logFile = traceFile(e);
        }
        if (logFile != null) {
            message.append("\n  details: ").append(logFile);
        }
        err.println(message);
        err.flush();
        return EXIT_FAILURE;
    }

    /** Errors in what the user gave: options, input files, settings. */
    static boolean isUsageError(Throwable e) {
        return e instanceof UsageException
                || e instanceof InvalidInputException
                || e instanceof PromptFileException
                || e instanceof ConfigException;
    }

    /** Exceptions that mean the code itself is wrong, whatever the input. */
    private static boolean isProgrammingError(Throwable e) {
        return e instanceof IllegalArgumentException
                || e instanceof NullPointerException
                || e instanceof ClassCastException
                || e instanceof IndexOutOfBoundsException
                || e instanceof UnsupportedOperationException
                || e instanceof ArithmeticException;
    }

    /** Writes {@code e}'s stack trace to a file of its own; null when even that fails. */
    private static String traceFile(Exception e) {
        try {
            Path file = Files.createTempFile("prefstream-error-", ".log");
            var trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            Files.writeString(file, trace.toString());
            return file.toString();
        } catch (IOException | RuntimeException ignored) {
            return null;
        }
    }

    /**
     * A command line picocli cannot parse (unknown option, bad value): the error, picocli's
     * suggestions, and one usage line pointing at {@code --help}, instead of the whole help text.
     * With {@code --json} the last line of stdout is still one JSON object.
     */
    private static int handleParameterError(CommandLine.ParameterException e, String[] args) {
        CommandLine cli = e.getCommandLine();
        PrintWriter err = cli.getErr();
        String name = cli.getCommandSpec().qualifiedName();
        err.println(name + ": " + e.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        err.println("Usage: " + name + " [OPTIONS]; see '" + name + " --help'");
        err.flush();
        if (java.util.Arrays.asList(args).contains("--json")) {
            JsonError.print(cli.getOut(), e.getMessage());
        }
        return EXIT_USAGE;
    }

    public static void main(String[] args) {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("java.awt.headless", "true");
        System.exit(commandLine().execute(args));
    }
}
