package io.prefstream.launcher;

import io.prefstream.generator.PromptFileException;
import io.prefstream.launcher.load.InvalidInputException;
import io.prefstream.launcher.logging.RunLog;
import io.prefstream.platform.config.ConfigException;
import java.io.PrintWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code prefstream} command: entry point of every subcommand. */
@Command(name = "prefstream", mixinStandardHelpOptions = true, version = "prefstream 0.1.0",
        description = "Streaming online preference learning on Apache Kafka.",
        subcommands = {
                // one line per subcommand class, in alphabetical order
                BenchCommand.class,
                BootstrapCommand.class,
                DemoCommand.class,
                EvalCommand.class,
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
        return cli;
    }

    /**
     * Errors a user can act on are printed as one message without a stack trace (the trace goes to
     * the log file when a run has one); anything else also shows its cause chain.
     */
    private static int handle(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        PrintWriter err = cli.getErr();
        String prefix = "prefstream " + cli.getCommandName() + ": ";
        log.debug("Command {} failed", cli.getCommandName(), e);
        if (e instanceof InvalidInputException || e instanceof PromptFileException || e instanceof ConfigException
                || e instanceof IllegalArgumentException) {
            err.println(prefix + e.getMessage());
            err.flush();
            return EXIT_USAGE;
        }
        var message = new StringBuilder(prefix).append(e.getMessage() == null ? e.toString() : e.getMessage());
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            if (cause.getMessage() != null && !message.toString().contains(cause.getMessage())) {
                message.append("\n  caused by ").append(cause.getClass().getSimpleName()).append(": ")
                        .append(cause.getMessage());
            }
        }
        String logFile = System.getProperty(RunLog.PROPERTY);
        if (logFile != null) {
            message.append("\n  details: ").append(logFile);
            log.error(RunLog.FILE_ONLY, "Command {} failed", cli.getCommandName(), e);
        }
        err.println(message);
        err.flush();
        return EXIT_FAILURE;
    }

    public static void main(String[] args) {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("java.awt.headless", "true");
        System.exit(commandLine().execute(args));
    }
}
