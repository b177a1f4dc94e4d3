package io.prefstream.labeler.http;

import io.prefstream.labeler.LabelerSettings;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The labeling server's connection limit and request-read deadline (the idle timeout is Vert.x's
 * own, {@link io.vertx.core.http.HttpServerOptions#setIdleTimeout}). Every connection over
 * {@link ServerLimits#maxConnections()} is closed as soon as it is accepted. Every other one always
 * has a deadline while the server waits for a request:
 *
 * <ul>
 *   <li>from its opening, {@link ServerLimits#requestTimeout()} to deliver its first request in full;
 *   <li>from a request's headers, at most the request timeout for the body (an earlier deadline stays);
 *   <li>none while the server answers a request that has fully arrived;
 *   <li>from the end of a response, the idle timeout plus the request timeout for the next request
 *       (an idle kept-alive connection is closed by the idle timeout before; this bounds one that
 *       trickles a byte now and then).
 * </ul>
 *
 * A request whose body has not fully arrived by the deadline is answered {@code 408} and its
 * connection closed; a connection still without a request's headers is closed. HTTP/1.x only (the
 * server turns h2c off), and confined to the server's event loop: no locks.
 */
final class ConnectionGuard {

    private static final Logger log = LoggerFactory.getLogger(ConnectionGuard.class);
    private static final long WARN_EVERY_MS = 10_000;

    private final Vertx vertx;
    private final ServerLimits limits;
    private final Map<HttpConnection, Tracked> open = new IdentityHashMap<>();
    private long refusedSinceWarning;
    private long lastWarningMs;

    ConnectionGuard(Vertx vertx, ServerLimits limits) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    /** The server's connection handler: admits the connection or closes it when the server is full. */
    void connected(HttpConnection connection) {
        if (open.size() >= limits.maxConnections()) {
            refusedSinceWarning++;
            long now = System.currentTimeMillis();
            if (now - lastWarningMs >= WARN_EVERY_MS) {
                log.warn(
                        "Closed {} connection(s) to the labeling server (from {} last): {} are open, the most "
                                + "{} allows",
                        refusedSinceWarning,
                        connection.remoteAddress(),
                        open.size(),
                        LabelerSettings.HTTP_MAX_CONNECTIONS.key());
                lastWarningMs = now;
                refusedSinceWarning = 0;
            }
            connection.close();
            return;
        }
        var tracked = new Tracked(connection);
        open.put(connection, tracked);
        connection.closeHandler(v -> {
            tracked.closed = true;
            tracked.disarm();
            open.remove(connection);
        });
        tracked.arm(limits.requestTimeout().toMillis());
    }

    /** A router handler for every request, before any other reads it: tracks its arrival and its answer. */
    void request(RoutingContext ctx) {
        var tracked = open.get(ctx.request().connection());
        if (tracked != null) {
            tracked.received(ctx);
        }
        ctx.next();
    }

    /** One admitted connection and its deadline. */
    private final class Tracked {
        private final HttpConnection connection;
        private long timer = -1;
        private long deadlineMs;
        /** The request whose body is still arriving, null when none is. */
        private HttpServerRequest reading;

        private boolean closed;

        Tracked(HttpConnection connection) {
            this.connection = connection;
        }

        void received(RoutingContext ctx) {
            HttpServerRequest request = ctx.request();
            reading = request;
            armAtMost(limits.requestTimeout().toMillis());
            if (request.isEnded()) {
                arrived(request);
            } else {
                request.end().onComplete(x -> arrived(request));
            }
            ctx.addEndHandler(x -> answered());
        }

        /** The request's body has fully arrived (or its stream failed): its answer is up to the server now. */
        private void arrived(HttpServerRequest request) {
            if (reading != request) {
                return;
            }
            reading = null;
            if (request.response().ended()) {
                awaitNext(); // answered before its body was in (e.g. 401, 413)
            } else {
                disarm();
            }
        }

        /** A response ended (or its connection failed). */
        private void answered() {
            if (reading == null) {
                awaitNext();
            } // else a request's body is still arriving, and its deadline stays
        }

        private void awaitNext() {
            arm(limits.idleTimeout().toMillis() + limits.requestTimeout().toMillis());
        }

        private void armAtMost(long ms) {
            if (timer < 0 || System.currentTimeMillis() + ms < deadlineMs) {
                arm(ms);
            }
        }

        void arm(long ms) {
            disarm();
            if (closed) {
                return;
            }
            deadlineMs = System.currentTimeMillis() + ms;
            timer = vertx.setTimer(ms, id -> expired());
        }

        void disarm() {
            if (timer >= 0) {
                vertx.cancelTimer(timer);
                timer = -1;
            }
        }

        private void expired() {
            timer = -1;
            HttpServerRequest request = reading;
            var response = request == null ? null : request.response();
            if (response == null || response.headWritten() || response.closed()) {
                connection.close();
                return;
            }
            long ms = limits.requestTimeout().toMillis();
            response.setStatusCode(408)
                    .putHeader("Connection", "close")
                    .putHeader("Content-Type", "application/json")
                    .end(new JsonObject()
                            .put(
                                    "error",
                                    "the request did not arrive in full within " + ms + " ms ("
                                            + LabelerSettings.HTTP_REQUEST_TIMEOUT_MS.key() + ")")
                            .put("status", 408)
                            .encode())
                    .onComplete(x -> connection.close());
        }
    }
}
