package io.prefstream.generator;

import java.nio.file.Path;

/** A prompts file that cannot be loaded; names the file, the 1-based line (0 for the whole file) and the reason. */
public final class PromptFileException extends RuntimeException {

    private final Path file;
    private final int line;
    private final String reason;

    public PromptFileException(Path file, int line, String reason, Throwable cause) {
        super(file + (line > 0 ? ":" + line : "") + ": " + reason + "; nothing was loaded from the file", cause);
        this.file = file;
        this.line = line;
        this.reason = reason;
    }

    public Path file() {
        return file;
    }

    /** 1-based line number of the first bad line, 0 when the problem is the file itself. */
    public int line() {
        return line;
    }

    public String reason() {
        return reason;
    }
}
