package io.prefstream.schemas.registry;

/** A subject has no such version (40402). */
public class VersionNotFoundException extends SchemaRegistryException {
    public VersionNotFoundException(String message) {
        super(ErrorCodes.VERSION_NOT_FOUND, message);
    }
}
