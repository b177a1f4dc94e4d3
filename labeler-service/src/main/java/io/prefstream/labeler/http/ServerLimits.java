package io.prefstream.labeler.http;

import java.time.Duration;
import java.util.Objects;

/**
 * How long the labeling server waits for its clients and how many it holds at once (settings
 * {@code labeler.http.idle-timeout-ms}, {@code labeler.http.request-timeout-ms},
 * {@code labeler.http.max-connections}).
 *
 * @param idleTimeout    a connection without traffic either way for this long is closed
 * @param requestTimeout time a client has to send one request in full (headers and body), counted
 *                       from the connection's opening or from the request's headers; then it gets 408
 *                       and its connection is closed
 * @param maxConnections most connections open at once; a further one is closed when it is accepted
 */
public record ServerLimits(Duration idleTimeout, Duration requestTimeout, int maxConnections) {

    public ServerLimits {
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (idleTimeout.toMillis() < 1 || idleTimeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("idle timeout must be in [1 ms, 24 days], found " + idleTimeout);
        }
        if (requestTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("request timeout must be at least 1 ms, found " + requestTimeout);
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("max connections must be at least 1, found " + maxConnections);
        }
    }
}
