package io.prefstream.labeler.http;

import io.prefstream.labeler.human.Choice;
import io.prefstream.labeler.human.HumanLabelWriter;
import io.prefstream.labeler.human.LabelerTokens;
import io.prefstream.labeler.human.LabelingConflict;
import io.prefstream.labeler.human.RequestQueue;
import io.prefstream.platform.metrics.HealthCheck;
import io.prefstream.platform.metrics.HealthStatus;
import io.prefstream.schemas.Label;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The labeler's HTTP server: the labeling web UI ({@code /}), the REST API ({@code /api/v1/*},
 * documented in {@code /api/v1/openapi.yaml}), {@code /metrics} (Prometheus text) and
 * {@code /health}. API calls need {@code Authorization: Bearer <token>} with a token from
 * {@code labeler.tokens} or {@code labeler.http.token-file} (looked up on every request, so the
 * file's edits apply at once); errors are JSON {@code {"error": ..., "status": ...}}. Queue operations are
 * in-memory and run on the event loop; writing a label to Kafka and scraping metrics run on worker
 * threads. {@link #start(Promise)} completes once the port is bound.
 *
 * <p>The server protects itself from clients that hold connections ({@link ServerLimits}): a
 * connection without traffic for the idle timeout is closed, a request not received in full within
 * the request timeout is answered {@code 408} and its connection closed (see {@link ConnectionGuard}),
 * and connections beyond the limit are closed when accepted. It speaks HTTP/1.1 only (no h2c, which
 * browsers do not use), so that every connection is known from its first byte.
 */
public final class LabelingHttpVerticle extends AbstractVerticle {

    private static final Logger log = LoggerFactory.getLogger(LabelingHttpVerticle.class);
    private static final Set<String> LABEL_FIELDS = Set.of("request_id", "choice", "strength", "rationale");
    private static final int MAX_RATIONALE = 4_000;
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            + "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final String host;
    private final int port;
    private final ServerLimits limits;
    private final RequestQueue queue;
    private final HumanLabelWriter writer;
    private final Supplier<LabelerTokens> tokens;
    private final int labelsPerStep;
    private final Supplier<String> metrics;
    private final Map<String, HealthCheck> health;
    private final Map<String, byte[]> assets = new LinkedHashMap<>();
    private HttpServer server;

    /**
     * @param host          interface to listen on
     * @param port          port to listen on, 0 = any free one
     * @param limits        timeouts and the connection limit
     * @param tokens        the tokens valid now (e.g. a {@link io.prefstream.labeler.human.TokenFile})
     * @param labelsPerStep human-labeled rollouts the trainer needs per step, 0 = unknown
     * @param metrics       Prometheus text of the service's meters, or null when the host process exports them
     * @param health        named checks reported by {@code /health}, read on every request
     */
    public LabelingHttpVerticle(
            String host,
            int port,
            ServerLimits limits,
            RequestQueue queue,
            HumanLabelWriter writer,
            Supplier<LabelerTokens> tokens,
            int labelsPerStep,
            Supplier<String> metrics,
            Map<String, HealthCheck> health) {
        this.host = Objects.requireNonNull(host, "host");
        this.port = port;
        this.limits = Objects.requireNonNull(limits, "limits");
        this.queue = Objects.requireNonNull(queue, "queue");
        this.writer = Objects.requireNonNull(writer, "writer");
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.labelsPerStep = labelsPerStep;
        this.metrics = metrics;
        this.health = Objects.requireNonNull(health, "health");
    }

    /** The bound port, once started. */
    public int actualPort() {
        return server.actualPort();
    }

    @Override
    public void start(Promise<Void> started) {
        for (String name : new String[] {"index.html", "app.js", "style.css", "openapi.yaml"}) {
            assets.put(name, resource(name.equals("openapi.yaml") ? "/openapi.yaml" : "/webroot/" + name));
        }
        var guard = new ConnectionGuard(vertx, limits);
        var router = Router.router(vertx);
        router.route()
                .handler(ctx -> {
                    ctx.response()
                            .putHeader("X-Content-Type-Options", "nosniff")
                            .putHeader("Referrer-Policy", "no-referrer")
                            .putHeader("Cache-Control", "no-store");
                    guard.request(ctx);
                })
                .failureHandler(ctx -> {
                    if (ctx.failure() instanceof HttpClosedException) {
                        // the client left, or the server closed a connection whose request never arrived in full
                        log.debug(
                                "Connection closed during {} {}",
                                ctx.request().method(),
                                ctx.request().path());
                        return;
                    }
                    ctx.next();
                });
        router.get("/").handler(ctx -> asset(ctx, "index.html", "text/html; charset=utf-8"));
        router.get("/index.html").handler(ctx -> asset(ctx, "index.html", "text/html; charset=utf-8"));
        router.get("/app.js").handler(ctx -> asset(ctx, "app.js", "text/javascript; charset=utf-8"));
        router.get("/style.css").handler(ctx -> asset(ctx, "style.css", "text/css; charset=utf-8"));
        router.get("/api/v1/openapi.yaml")
                .handler(ctx -> asset(ctx, "openapi.yaml", "application/yaml; charset=utf-8"));
        router.get("/health").handler(this::health);
        router.get("/metrics").handler(this::metrics);
        router.route("/api/v1/*").handler(this::authenticate);
        router.get("/api/v1/requests/next").handler(this::next);
        router.post("/api/v1/labels")
                .handler(BodyHandler.create().setBodyLimit(64 * 1024))
                .handler(this::label);
        router.post("/api/v1/requests/:id/lease").handler(this::extend);
        router.get("/api/v1/queue").handler(this::queueStats);
        router.route("/api/v1/*")
                .handler(ctx -> error(
                        ctx,
                        404,
                        "no API endpoint " + ctx.request().method() + " "
                                + ctx.request().path() + "; see /api/v1/openapi.yaml"));
        router.errorHandler(
                404, ctx -> error(ctx, 404, "not found: " + ctx.request().path()));
        router.errorHandler(
                405,
                ctx -> error(
                        ctx,
                        405,
                        "method " + ctx.request().method() + " not allowed on "
                                + ctx.request().path()));
        router.errorHandler(413, ctx -> error(ctx, 413, "request body too large (at most 64 KiB)"));
        router.errorHandler(500, ctx -> {
            log.error(
                    "Unhandled error on {} {}",
                    ctx.request().method(),
                    ctx.request().path(),
                    ctx.failure());
            error(
                    ctx,
                    500,
                    "internal error: "
                            + (ctx.failure() == null ? "unknown" : ctx.failure().toString()));
        });
        var options = new HttpServerOptions()
                .setIdleTimeout(Math.toIntExact(limits.idleTimeout().toMillis()))
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                .setHttp2ClearTextEnabled(false);
        vertx.createHttpServer(options)
                .connectionHandler(guard::connected)
                .requestHandler(router)
                .listen(port, host)
                .onSuccess(s -> {
                    server = s;
                    log.info(
                            "Labeling UI and API on http://{}:{}/ (idle timeout {} ms, request timeout {} ms, at most {}"
                                    + " connections)",
                            host,
                            s.actualPort(),
                            limits.idleTimeout().toMillis(),
                            limits.requestTimeout().toMillis(),
                            limits.maxConnections());
                    started.complete();
                })
                .onFailure(e -> started.fail(new IllegalStateException(
                        "cannot listen on " + host + ":" + port + " (" + e.getMessage()
                                + "); choose another labeler.http.port, or 0 for any free port",
                        e)));
    }

    @Override
    public void stop(Promise<Void> stopped) {
        if (server == null) {
            stopped.complete();
        } else {
            server.close().onComplete(x -> stopped.complete());
        }
    }

    // ---- API ----------------------------------------------------------------------------------

    private void authenticate(RoutingContext ctx) {
        String header = ctx.request().getHeader("Authorization");
        String token = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
                ? header.substring(7).trim()
                : null;
        var labeler = tokens.get().labelerFor(token);
        if (labeler.isEmpty()) {
            ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"prefstream-labeler\"");
            error(
                    ctx,
                    401,
                    token == null
                            ? "missing bearer token: send Authorization: Bearer <token>"
                            : "invalid bearer token");
            return;
        }
        ctx.put("labeler", labeler.get());
        ctx.next();
    }

    private void next(RoutingContext ctx) {
        String labeler = ctx.get("labeler");
        var lease = queue.next(labeler);
        if (lease.isEmpty()) {
            ctx.response().setStatusCode(204).end();
            return;
        }
        var request = lease.get().request();
        var completions = new JsonArray();
        lease.get()
                .shown()
                .forEach(c -> completions.add(
                        new JsonObject().put("index", c.getIndex()).put("text", c.getText())));
        json(
                ctx,
                200,
                new JsonObject()
                        .put("request_id", request.getRequestId())
                        .put("rollout_id", request.getRolloutId())
                        .put("task", request.getTask())
                        .put("prompt", request.getPromptText())
                        .put("completions", completions)
                        .put("policy_version", request.getPolicyVersion())
                        .put(
                                "lease_expires_at",
                                Instant.ofEpochMilli(lease.get().expiresAtMs()).toString()));
    }

    private void label(RoutingContext ctx) {
        String labeler = ctx.get("labeler");
        JsonObject body;
        try {
            body = ctx.body().asJsonObject();
        } catch (DecodeException | ClassCastException e) {
            error(ctx, 400, "expected a JSON object body {\"request_id\", \"choice\", \"strength\"?, \"rationale\"?}");
            return;
        }
        if (body == null) {
            error(ctx, 400, "expected a JSON object body {\"request_id\", \"choice\", \"strength\"?, \"rationale\"?}");
            return;
        }
        LabelInput input;
        try {
            input = LabelInput.parse(body);
        } catch (IllegalArgumentException e) {
            error(ctx, 400, e.getMessage());
            return;
        }
        RequestQueue.Reservation reservation;
        try {
            reservation = queue.reserve(input.requestId(), labeler);
        } catch (LabelingConflict c) {
            error(ctx, c.kind() == LabelingConflict.Kind.NOT_FOUND ? 404 : 409, c.getMessage());
            return;
        }
        Label label = HumanLabelWriter.label(
                reservation, input.choice(), input.strength(), input.rationale(), System.currentTimeMillis());
        vertx.<Label>executeBlocking(
                        () -> {
                            writer.write(label);
                            return label;
                        },
                        false)
                .onSuccess(written -> {
                    try {
                        queue.commit(reservation, input.choice());
                    } catch (IllegalStateException e) {
                        log.warn(
                                "Label {} is on Kafka but its request left the queue meanwhile: {}",
                                written.getLabelId(),
                                e.getMessage());
                    }
                    json(
                            ctx,
                            201,
                            new JsonObject()
                                    .put("label_id", written.getLabelId())
                                    .put("request_id", written.getRequestId())
                                    .put("rollout_id", written.getRolloutId())
                                    .put("chosen_index", written.getJudgement().getChosenIndex())
                                    .put(
                                            "rejected_index",
                                            written.getJudgement().getRejectedIndex())
                                    .put(
                                            "verdict",
                                            written.getJudgement().getVerdict().name()));
                })
                .onFailure(e -> {
                    queue.release(reservation);
                    log.warn(
                            "Could not write label of {} for request {}: {}", labeler, input.requestId(), e.toString());
                    error(ctx, 503, "could not write the label to Kafka (" + e.getMessage() + "); retry");
                });
    }

    /** The labeler interacts with a request: hold it for the full lease. */
    private void extend(RoutingContext ctx) {
        String labeler = ctx.get("labeler");
        String requestId = ctx.pathParam("id");
        try {
            long until = queue.extend(requestId, labeler);
            json(
                    ctx,
                    200,
                    new JsonObject()
                            .put("request_id", requestId)
                            .put("lease_expires_at", Instant.ofEpochMilli(until).toString()));
        } catch (LabelingConflict c) {
            error(ctx, c.kind() == LabelingConflict.Kind.NOT_FOUND ? 404 : 409, c.getMessage());
        }
    }

    private void queueStats(RoutingContext ctx) {
        String labeler = ctx.get("labeler");
        var stats = queue.stats(labeler);
        json(
                ctx,
                200,
                new JsonObject()
                        .put("labeler_id", labeler)
                        .put("pending", stats.pending())
                        .put("available", stats.availableToLabeler())
                        .put("labeled", stats.labeledByLabeler())
                        .put("team", team(queue.team(), labelsPerStep)));
    }

    /**
     * The team's progress: labels per labeler, agreement on pairs labeled twice and, when
     * {@code labelsPerStep} is known, labels still needed for the trainer's next step,
     * {@code labelsPerStep − labels mod labelsPerStep}.
     */
    static JsonObject team(RequestQueue.Team team, int labelsPerStep) {
        var byLabeler = new JsonObject();
        team.labelsByLabeler().forEach(byLabeler::put);
        var out = new JsonObject()
                .put("labels", team.labels())
                .put("by_labeler", byLabeler)
                .put("compared_pairs", team.comparedPairs())
                .put("agreement", team.agreement().orElse(null));
        if (labelsPerStep > 0) {
            out.put("labels_per_step", labelsPerStep)
                    .put("needed_for_next_step", labelsPerStep - team.labels() % labelsPerStep);
        }
        return out;
    }

    /** A validated label submission. */
    record LabelInput(String requestId, Choice choice, Double strength, String rationale) {

        static LabelInput parse(JsonObject body) {
            for (String field : body.fieldNames()) {
                if (!LABEL_FIELDS.contains(field)) {
                    throw new IllegalArgumentException(
                            "unknown field '" + field + "'; expected request_id, choice, " + "strength, rationale");
                }
            }
            Object requestId = body.getValue("request_id");
            if (!(requestId instanceof String id) || id.isBlank()) {
                throw new IllegalArgumentException(
                        "request_id: expected a non-empty string, found " + describe(requestId));
            }
            Object choiceValue = body.getValue("choice");
            if (!(choiceValue instanceof String choiceText)) {
                throw new IllegalArgumentException(
                        "choice: expected one of A, B, TIE, BOTH_BAD, found " + describe(choiceValue));
            }
            Choice choice = Choice.parse(choiceText);
            Object strengthValue = body.getValue("strength");
            Double strength = null;
            if (strengthValue != null) {
                if (!(strengthValue instanceof Number n) || !(n.doubleValue() >= 0 && n.doubleValue() <= 1)) {
                    throw new IllegalArgumentException(
                            "strength: expected a number in [0, 1], found " + describe(strengthValue));
                }
                strength = ((Number) strengthValue).doubleValue();
            }
            Object rationaleValue = body.getValue("rationale");
            String rationale = null;
            if (rationaleValue != null) {
                if (!(rationaleValue instanceof String r) || r.length() > MAX_RATIONALE) {
                    throw new IllegalArgumentException("rationale: expected a string of at most " + MAX_RATIONALE
                            + " characters, found "
                            + (rationaleValue instanceof String r2
                                    ? r2.length() + " characters"
                                    : describe(rationaleValue)));
                }
                rationale = r.isBlank() ? null : r;
            }
            return new LabelInput(id, choice, strength, rationale);
        }

        private static String describe(Object value) {
            if (value == null) {
                return "nothing";
            }
            String text = value instanceof String s ? "'" + s + "'" : String.valueOf(value);
            return (text.length() > 60 ? text.substring(0, 60) + "..." : text) + " ("
                    + value.getClass().getSimpleName() + ")";
        }
    }

    // ---- operations ---------------------------------------------------------------------------

    private void metrics(RoutingContext ctx) {
        if (metrics == null) {
            error(ctx, 404, "metrics of this service are exported by its host process");
            return;
        }
        vertx.executeBlocking(metrics::get, false)
                .onSuccess(text -> ctx.response()
                        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                        .end(text))
                .onFailure(ctx::fail);
    }

    private void health(RoutingContext ctx) {
        var checks = new JsonObject();
        boolean up = true;
        for (var entry : new TreeMap<>(health).entrySet()) {
            HealthStatus status;
            try {
                status = entry.getValue().check();
            } catch (Exception e) {
                status = HealthStatus.down("check failed: " + e);
            }
            up &= status.healthy();
            checks.put(
                    entry.getKey(),
                    new JsonObject()
                            .put("status", status.healthy() ? "UP" : "DOWN")
                            .put("detail", status.detail()));
        }
        json(
                ctx,
                up ? 200 : 503,
                new JsonObject().put("status", up ? "UP" : "DOWN").put("checks", checks));
    }

    // ---- plumbing -----------------------------------------------------------------------------

    private void asset(RoutingContext ctx, String name, String type) {
        var response = ctx.response().putHeader("Content-Type", type);
        if (type.startsWith("text/html")) {
            response.putHeader("Content-Security-Policy", CSP).putHeader("X-Frame-Options", "DENY");
        }
        response.end(io.vertx.core.buffer.Buffer.buffer(assets.get(name)));
    }

    private static void json(RoutingContext ctx, int status, JsonObject body) {
        ctx.response()
                .setStatusCode(status)
                .putHeader("Content-Type", "application/json")
                .end(body.encode());
    }

    private static void error(RoutingContext ctx, int status, String message) {
        if (ctx.response().ended()) {
            return;
        }
        json(ctx, status, new JsonObject().put("error", message).put("status", status));
    }

    private static byte[] resource(String path) {
        try (InputStream in = LabelingHttpVerticle.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("resource " + path + " is missing from the labeler-service jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
