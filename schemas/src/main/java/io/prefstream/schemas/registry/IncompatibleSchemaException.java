package io.prefstream.schemas.registry;

/** The schema breaks the subject's compatibility level (409). */
public class IncompatibleSchemaException extends SchemaRegistryException {
    public IncompatibleSchemaException(String message) {
        super(ErrorCodes.INCOMPATIBLE_SCHEMA, message);
    }
}
