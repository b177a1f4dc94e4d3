package io.prefstream.schemas.registry;

/** The registry could not parse the schema (42201). */
public class InvalidSchemaException extends SchemaRegistryException {
    public InvalidSchemaException(String message) {
        super(ErrorCodes.INVALID_SCHEMA, message);
    }
}
