package io.prefstream.schemas.registry;

/** A subject has no registered versions (40401). */
public class SubjectNotFoundException extends SchemaRegistryException {
    public SubjectNotFoundException(String message) {
        super(ErrorCodes.SUBJECT_NOT_FOUND, message);
    }
}
