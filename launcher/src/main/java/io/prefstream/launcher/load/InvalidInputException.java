package io.prefstream.launcher.load;

import java.nio.file.Path;
import java.util.List;

/**
 * An input file that cannot be loaded. Carries every problem found (line number and reason), so
 * the user fixes the file in one pass; nothing from the file has been written.
 */
public final class InvalidInputException extends RuntimeException {

    /** Problems listed in the message; more are counted but not shown. */
    static final int MAX_LISTED = 20;

    private final Path file;
    private final List<LineProblem> problems;

    public InvalidInputException(Path file, List<LineProblem> problems) {
        super(message(file, problems));
        this.file = file;
        this.problems = List.copyOf(problems);
    }

    /** One bad line: its 1-based number and what is wrong with it; line 0 is the whole file (empty, missing). */
    public record LineProblem(int line, String reason) {
        @Override
        public String toString() {
            return line == 0 ? reason : "line " + line + ": " + reason;
        }
    }

    public Path file() {
        return file;
    }

    public List<LineProblem> problems() {
        return problems;
    }

    private static String message(Path file, List<LineProblem> problems) {
        if (problems.size() == 1 && problems.get(0).line() == 0) {
            return file + ": " + problems.get(0).reason() + "; nothing was loaded.";
        }
        var out = new StringBuilder(file + ": " + problems.size() + " invalid line" + (problems.size() == 1 ? "" : "s")
                + "; nothing was loaded.");
        problems.stream().limit(MAX_LISTED).forEach(p -> out.append("\n  ").append(p));
        if (problems.size() > MAX_LISTED) {
            out.append("\n  ... and ").append(problems.size() - MAX_LISTED).append(" more");
        }
        return out.toString();
    }
}
