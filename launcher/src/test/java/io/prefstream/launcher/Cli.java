package io.prefstream.launcher;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs {@code prefstream} in-process and captures what it prints. */
final class Cli {

    record Result(int exitCode, String out, String err) {
        /** The last non-empty line of stdout. */
        String lastLine() {
            String[] lines = out.strip().split("\\R");
            return lines[lines.length - 1];
        }
    }

    private Cli() {}

    static Result run(String... args) {
        var out = new StringWriter();
        var err = new StringWriter();
        var cli = PrefstreamCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }
}
