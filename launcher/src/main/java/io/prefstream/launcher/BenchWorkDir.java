package io.prefstream.launcher;

import io.prefstream.launcher.logging.RunLog;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.Consumer;
import java.util.function.Predicate;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The temporary work directory of a benchmark that runs services ({@code bench stale}, {@code bench
 * soak}): their log ({@code prefstream.log}) and every other file of the run live in it. It is
 * deleted after a run that went well and kept, and named, after one that failed or whose result
 * asks for it.
 */
final class BenchWorkDir {

    private BenchWorkDir() {}

    /** A benchmark run in {@code work}, telling its progress to {@code messages}. */
    interface Body<R> {
        R run(Path work, Consumer<String> messages) throws Exception;
    }

    /**
     * Runs {@code body} in a fresh directory named after {@code prefix}, its progress lines printed
     * as they come.
     *
     * @param keep whether a result keeps the directory (a failed check); a thrown exception always does
     */
    static <R> R run(CommandSpec spec, String prefix, Body<R> body, Predicate<R> keep) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path work = Files.createTempDirectory(prefix);
        R result;
        try (var runLog = RunLog.to(work.resolve("prefstream.log"))) {
            result = body.run(work, line -> {
                out.println(line);
                out.flush();
            });
        } catch (Exception | Error e) {
            spec.commandLine()
                    .getErr()
                    .println(spec.qualifiedName() + " failed; its work directory (the services' logs) is " + work);
            throw e;
        }
        if (keep.test(result)) {
            out.println("work directory kept (the services' logs): " + work);
        } else {
            delete(work);
        }
        return result;
    }

    private static void delete(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
