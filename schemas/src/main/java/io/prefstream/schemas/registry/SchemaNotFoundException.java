package io.prefstream.schemas.registry;

/** No schema has the requested id, or the subject does not hold the schema (40403). */
public class SchemaNotFoundException extends SchemaRegistryException {
    public SchemaNotFoundException(String message) {
        super(ErrorCodes.SCHEMA_NOT_FOUND, message);
    }
}
