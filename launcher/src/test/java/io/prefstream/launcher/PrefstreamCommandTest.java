package io.prefstream.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;

/** How {@code prefstream} reports failures: user errors briefly, bugs as bugs. */
class PrefstreamCommandTest {

    @Command(name = "bug")
    static final class Bug implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new IllegalArgumentException("index -1 out of range");
        }
    }

    @Command(name = "mistake")
    static final class Mistake implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new UsageException("--count must be at least 1, found 0");
        }
    }

    private static Cli.Result run(String... args) {
        var cli = PrefstreamCommand.commandLine();
        cli.addSubcommand(new Bug());
        cli.addSubcommand(new Mistake());
        var out = new StringWriter();
        var err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return new Cli.Result(cli.execute(args), out.toString(), err.toString());
    }

    @Test
    void anIllegalArgumentExceptionIsAnInternalErrorWithItsTraceInALogFile() throws Exception {
        var result = run("bug");
        assertEquals(PrefstreamCommand.EXIT_FAILURE, result.exitCode(), result.err());
        assertTrue(result.err().startsWith("prefstream bug: internal error (a bug in prefstream"), result.err());
        String details = result.err()
                .lines()
                .filter(l -> l.contains("details: "))
                .findFirst()
                .orElseThrow();
        Path log = Path.of(details.substring(details.indexOf("details: ") + 9).strip());
        String trace = Files.readString(log);
        assertTrue(
                trace.contains("java.lang.IllegalArgumentException: index -1 out of range")
                        && trace.contains("at io.prefstream.launcher.PrefstreamCommandTest$Bug.call"),
                trace);
        Files.delete(log);
    }

    @Test
    void aUsageExceptionIsOneLineAndExitCodeUsage() {
        var result = run("mistake");
        assertEquals(PrefstreamCommand.EXIT_USAGE, result.exitCode());
        assertEquals(
                "prefstream mistake: --count must be at least 1, found 0",
                result.err().strip());
    }
}
