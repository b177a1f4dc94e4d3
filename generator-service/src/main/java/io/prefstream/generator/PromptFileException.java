package io.prefstream.generator;

import java.nio.file.Path;
import java.util.List;

/**
 * A prompts file that cannot be loaded. Carries every problem found (1-based line, 0 for the whole
 * file, and the reason), so the user fixes the file in one pass; the message lists the first
 * {@value #MAX_LISTED} and counts the rest.
 */
public final class PromptFileException extends RuntimeException {

    /** Problems listed in the message; more are counted but not shown. */
    public static final int MAX_LISTED = 50;

    private final Path file;
    private final List<Problem> problems;

    /** One bad line: its 1-based number (0: the file itself) and what is wrong with it. */
    public record Problem(int line, String reason) {}

    public PromptFileException(Path file, int line, String reason, Throwable cause) {
        this(file, List.of(new Problem(line, reason)), cause);
    }

    /** @param problems at least one, in line order */
    public PromptFileException(Path file, List<Problem> problems, Throwable cause) {
        super(message(file, problems), cause);
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a prompt file exception needs at least one problem");
        }
        this.file = file;
        this.problems = List.copyOf(problems);
    }

    public Path file() {
        return file;
    }

    /** Every problem found, in line order. */
    public List<Problem> problems() {
        return problems;
    }

    /** 1-based line number of the first bad line, 0 when the problem is the file itself. */
    public int line() {
        return problems.get(0).line();
    }

    /** Reason of the first problem. */
    public String reason() {
        return problems.get(0).reason();
    }

    private static String message(Path file, List<Problem> problems) {
        if (problems.size() == 1) {
            return where(file, problems.get(0)) + "; nothing was loaded from the file";
        }
        var out = new StringBuilder(file + ": " + problems.size() + " invalid lines; nothing was loaded from the file");
        problems.stream().limit(MAX_LISTED).forEach(p -> out.append("\n  ").append(where(file, p)));
        if (problems.size() > MAX_LISTED) {
            out.append("\n  ... and ").append(problems.size() - MAX_LISTED).append(" more");
        }
        return out.toString();
    }

    private static String where(Path file, Problem p) {
        return file + (p.line() > 0 ? ":" + p.line() : "") + ": " + p.reason();
    }
}
