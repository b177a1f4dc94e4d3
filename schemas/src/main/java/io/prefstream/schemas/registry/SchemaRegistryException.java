package io.prefstream.schemas.registry;

/**
 * A Schema Registry request failed. {@link #errorCode()} is the Confluent error code
 * ({@code 40401}, {@code 409}, {@code 42201}, ...) or the HTTP status when the registry sent none,
 * and {@code -1} when no response was received.
 */
public class SchemaRegistryException extends RuntimeException {
    private final int errorCode;

    public SchemaRegistryException(int errorCode, String message) {
        super(message);
        this.errorCode = errorCode;
    }

    public SchemaRegistryException(int errorCode, String message, Throwable cause) {
        super(message, cause);
        this.errorCode = errorCode;
    }

    /** Confluent error code, HTTP status, or -1 when the registry was not reached. */
    public int errorCode() {
        return errorCode;
    }

    /** Maps a Confluent error response to the matching typed exception. */
    public static SchemaRegistryException of(int httpStatus, int errorCode, String message) {
        int code = errorCode > 0 ? errorCode : httpStatus;
        return switch (code) {
            case ErrorCodes.SUBJECT_NOT_FOUND -> new SubjectNotFoundException(message);
            case ErrorCodes.VERSION_NOT_FOUND -> new VersionNotFoundException(message);
            case ErrorCodes.SCHEMA_NOT_FOUND -> new SchemaNotFoundException(message);
            case ErrorCodes.INCOMPATIBLE_SCHEMA -> new IncompatibleSchemaException(message);
            case ErrorCodes.INVALID_SCHEMA -> new InvalidSchemaException(message);
            default ->
                httpStatus == ErrorCodes.INCOMPATIBLE_SCHEMA
                        ? new IncompatibleSchemaException(message)
                        : new SchemaRegistryException(
                                code, "schema registry error " + code + " (HTTP " + httpStatus + "): " + message);
        };
    }
}
