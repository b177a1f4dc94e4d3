package io.prefstream.platform.consumer;

/**
 * A failure that is the record's own fault (invalid, unusable), with a short machine-readable
 * reason for the {@code dlq.reason} header, e.g. {@code undecodable}.
 */
public interface Rejection {
    String reason();
}
