package io.prefstream.labeler.machine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/** A local remote-reward-model endpoint answering from a script of responses (then a default). */
final class RewardStub implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One scripted answer: status, body computed from the request, optional delay before answering. */
    record Answer(int status, Function<JsonNode, String> body, long delayMs) {}

    private final HttpServer server;
    private final java.util.concurrent.ExecutorService executor;
    private final ConcurrentLinkedDeque<Answer> script = new ConcurrentLinkedDeque<>();
    private final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    private volatile Answer fallback = lengths();

    RewardStub() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/get_reward", exchange -> {
            try (exchange) {
                JsonNode request = JSON.readTree(exchange.getRequestBody().readAllBytes());
                requests.add(request);
                Answer a = script.isEmpty() ? fallback : script.poll();
                if (a.delayMs() > 0) {
                    try {
                        Thread.sleep(a.delayMs());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                byte[] body = a.body().apply(request).getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(a.status(), body.length);
                exchange.getResponseBody().write(body);
            } catch (IOException e) {
                // client gave up (timeout): nothing to answer
            }
        });
        executor = java.util.concurrent.Executors.newFixedThreadPool(4, r -> {
            var t = new Thread(r, "reward-stub");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.start();
    }

    /** Rewards = length of each query string, the correct answer. */
    static Answer lengths() {
        return new Answer(
                200,
                req -> {
                    var rewards = JSON.createArrayNode();
                    req.get("query")
                            .forEach(q -> rewards.add((double) q.asText().length()));
                    return "{\"rewards\":" + rewards + "}";
                },
                0);
    }

    static Answer status(int status) {
        return new Answer(status, req -> "{\"error\":\"scripted " + status + "\"}", 0);
    }

    static Answer body(String body) {
        return new Answer(200, req -> body, 0);
    }

    static Answer slow(long delayMs) {
        return new Answer(200, lengths().body(), delayMs);
    }

    RewardStub then(Answer answer) {
        script.add(answer);
        return this;
    }

    RewardStub always(Answer answer) {
        fallback = answer;
        return this;
    }

    List<JsonNode> requests() {
        return requests;
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/get_reward");
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
