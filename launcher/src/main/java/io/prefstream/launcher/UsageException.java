package io.prefstream.launcher;

/**
 * A mistake the user can fix on the command line: a bad option value, a missing folder, an option
 * combination that cannot work. The message names the user's own flag, what was found and what
 * is expected. {@code prefstream} prints it without a stack trace and exits with
 * {@link PrefstreamCommand#EXIT_USAGE}; every other exception is treated as a failure (and, when it
 * is a programming error, as a bug in Prefstream).
 */
public final class UsageException extends RuntimeException {

    public UsageException(String message) {
        super(message);
    }

    public UsageException(String message, Throwable cause) {
        super(message, cause);
    }
}
