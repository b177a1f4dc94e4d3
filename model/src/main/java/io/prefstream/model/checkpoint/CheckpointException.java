package io.prefstream.model.checkpoint;

/** A checkpoint could not be written, or failed verification when loaded (hash, config, kind). */
public final class CheckpointException extends RuntimeException {

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
