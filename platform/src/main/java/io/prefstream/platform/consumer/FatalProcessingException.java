package io.prefstream.platform.consumer;

/**
 * Thrown by a {@link RecordProcessor} when the failure is not the record's fault and going on
 * would lose work (e.g. a checkpoint cannot be written): the loop stops without committing, where
 * any other exception dead-letters the record and goes on.
 */
public final class FatalProcessingException extends RuntimeException {

    public FatalProcessingException(Throwable cause) {
        super(cause.toString(), cause);
    }
}
