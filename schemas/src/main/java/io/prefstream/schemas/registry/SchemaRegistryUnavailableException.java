package io.prefstream.schemas.registry;

/**
 * The registry could not be reached or kept answering 5xx after every configured retry on every
 * URL. Unlike the other registry errors this says nothing about the request itself: retry later.
 */
public class SchemaRegistryUnavailableException extends SchemaRegistryException {
    public SchemaRegistryUnavailableException(int errorCode, String message, Throwable cause) {
        super(errorCode, message, cause);
    }
}
