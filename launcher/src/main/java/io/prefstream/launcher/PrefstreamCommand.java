package io.prefstream.launcher;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code prefstream} command: entry point of every subcommand. */
@Command(name = "prefstream", mixinStandardHelpOptions = true, version = "prefstream 0.1.0",
        description = "Streaming online preference learning on Apache Kafka.",
        subcommands = {
                // one line per subcommand class, in alphabetical order
                CommandLine.HelpCommand.class,
        })
public final class PrefstreamCommand implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.setProperty("ai.djl.offline", "true");
        System.exit(new CommandLine(new PrefstreamCommand()).execute(args));
    }
}
