package io.prefstream.labeler.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.prefstream.labeler.LabelerSettings;
import io.prefstream.labeler.human.HumanLabelWriter;
import io.prefstream.labeler.human.LabelerTokens;
import io.prefstream.labeler.human.RequestQueue;
import io.prefstream.platform.kafka.TopicProducer;
import io.prefstream.schemas.registry.SchemaRegistries;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.MockProducer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 18: the labeling server's idle timeout, request-read timeout and connection limit, with
 * raw sockets against the real verticle (no Kafka: nothing here writes a label). Timeouts are 1 s
 * where one is under test and 30-60 s where one is not; every close must come within 15 s.
 */
class LabelingHttpTimeoutTest {

    private static final String TOKEN = "tok-alice";
    /** Longest wait for the server to close a connection; far above the 1 s timeouts under test. */
    private static final long CLOSE_WITHIN_MS = 15_000;

    private Vertx vertx;
    private LabelingHttpVerticle verticle;

    @BeforeEach
    void createVertx() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void closeVertx() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private int start(ServerLimits limits, Supplier<String> metrics) throws Exception {
        var meters = new SimpleMeterRegistry();
        var writer = new HumanLabelWriter(
                new TopicProducer(new MockProducer<>(), SchemaRegistries.mockScope("http-timeouts")),
                Duration.ofSeconds(5),
                meters);
        verticle = new LabelingHttpVerticle(
                "127.0.0.1",
                0,
                limits,
                new RequestQueue(1, Duration.ofMinutes(1), 100, System::currentTimeMillis, meters),
                writer,
                () -> LabelerTokens.parse("alice:" + TOKEN),
                0,
                metrics,
                Map.of());
        vertx.deployVerticle(verticle).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        return verticle.actualPort();
    }

    private static ServerLimits limits(long idleMs, long requestMs, int maxConnections) {
        return new ServerLimits(Duration.ofMillis(idleMs), Duration.ofMillis(requestMs), maxConnections);
    }

    // ---- request-read timeout -----------------------------------------------------------------

    @Test
    void aHalfSentBodyIsAnswered408AndItsConnectionClosedAfterTheRequestTimeout() throws Exception {
        int port = start(limits(60_000, 1_000, 16), null);
        long t0 = System.nanoTime();
        try (var socket = connect(port)) {
            send(socket, halfSentLabel());
            var end = awaitClose(socket);
            long ms = msSince(t0);
            assertTrue(end.startsWith("HTTP/1.1 408 "), end);
            assertTrue(end.contains(LabelerSettings.HTTP_REQUEST_TIMEOUT_MS.key()), end);
            assertTrue(ms >= 1_000 && ms <= CLOSE_WITHIN_MS, "closed after " + ms + " ms");
        }
    }

    @Test
    void onAKeptAliveConnectionTheRequestTimeoutCountsFromTheNextRequestsHeaders() throws Exception {
        int port = start(limits(60_000, 1_000, 16), null);
        try (var socket = connect(port)) {
            assertEquals(200, status(get(socket, "/health")));
            Thread.sleep(1_500); // longer than the request timeout: waiting for the next request is idling
            assertEquals(200, status(get(socket, "/health")));
            long t1 = System.nanoTime();
            send(socket, halfSentLabel());
            var end = awaitClose(socket);
            long ms = msSince(t1);
            assertTrue(end.startsWith("HTTP/1.1 408 "), end);
            assertTrue(ms >= 1_000 && ms <= CLOSE_WITHIN_MS, "closed after " + ms + " ms");
        }
    }

    @Test
    void headersThatNeverEndGetTheConnectionClosedAfterTheRequestTimeout() throws Exception {
        int port = start(limits(60_000, 1_000, 16), null);
        long t0 = System.nanoTime();
        try (var socket = connect(port)) {
            send(socket, "GET /health HTTP/1.1\r\nHost: local");
            var end = awaitClose(socket);
            long ms = msSince(t0);
            assertEquals("", end, "no request, so no answer");
            assertTrue(ms >= 1_000 && ms <= CLOSE_WITHIN_MS, "closed after " + ms + " ms");
        }
    }

    @Test
    void aRequestReceivedInFullIsNotCutByTheRequestTimeoutWhileItIsAnswered() throws Exception {
        Supplier<String> slowMetrics = () -> {
            try {
                Thread.sleep(2_500); // runs on a worker thread; longer than the 1 s request timeout
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "prefstream_test 1\n";
        };
        int port = start(limits(60_000, 1_000, 16), slowMetrics);
        try (var socket = connect(port)) {
            String response = get(socket, "/metrics");
            assertEquals(200, status(response), response);
            assertTrue(response.endsWith("prefstream_test 1\n"), response);
        }
    }

    // ---- idle timeout -------------------------------------------------------------------------

    @Test
    void anIdleKeptAliveConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        int port = start(limits(1_000, 30_000, 16), null);
        try (var socket = connect(port)) {
            assertEquals(200, status(get(socket, "/health")));
            assertEquals(200, status(get(socket, "/health")), "the connection is kept alive");
            long t1 = System.nanoTime();
            var end = awaitClose(socket);
            long ms = msSince(t1);
            assertEquals("", end);
            // t1 is a little after the server's last write, which starts the idle clock
            assertTrue(ms >= 500 && ms <= CLOSE_WITHIN_MS, "closed after " + ms + " ms");
        }
    }

    @Test
    void aConnectionThatSendsNothingIsClosedAfterTheIdleTimeout() throws Exception {
        int port = start(limits(1_000, 30_000, 16), null);
        long t0 = System.nanoTime();
        try (var socket = connect(port)) {
            var end = awaitClose(socket);
            long ms = msSince(t0);
            assertEquals("", end);
            assertTrue(ms >= 1_000 && ms <= CLOSE_WITHIN_MS, "closed after " + ms + " ms");
        }
    }

    // ---- connection limit ---------------------------------------------------------------------

    @Test
    void connectionsOverTheLimitAreClosedWhileEarlierOnesStayUsable() throws Exception {
        int port = start(limits(60_000, 30_000, 2), null);
        try (var first = connect(port);
                var second = connect(port)) {
            assertEquals(200, status(get(first, "/health")));
            assertEquals(200, status(get(second, "/health")));
            for (int i = 0; i < 3; i++) {
                try (var over = connect(port)) {
                    try {
                        send(over, "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n");
                    } catch (IOException closedAlready) {
                        // the server closed it before the request went out
                    }
                    assertEquals("", awaitClose(over), "connection " + (i + 3) + " of at most 2 got an answer");
                }
            }
            assertEquals(200, status(get(first, "/health")), "the first connection is still usable");
            assertEquals(200, status(get(second, "/health")), "the second connection is still usable");
        }
        // both closed: their slots are free again (the server sees the closes a moment later)
        long deadline = System.currentTimeMillis() + CLOSE_WITHIN_MS;
        while (true) {
            try (var again = connect(port)) {
                send(again, "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n");
                if (status(readResponse(again.getInputStream())) == 200) {
                    break;
                }
            } catch (IOException stillFull) {
                // refused: retry below
            }
            if (System.currentTimeMillis() > deadline) {
                fail("no connection was admitted within " + CLOSE_WITHIN_MS + " ms after the others closed");
            }
            Thread.sleep(100);
        }
    }

    // ---- plumbing -----------------------------------------------------------------------------

    private static String halfSentLabel() {
        String head = "POST /api/v1/labels HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + TOKEN
                + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n";
        return head + "{\"request_"; // 10 of the 1000 bytes announced
    }

    private static Socket connect(int port) throws IOException {
        var socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout((int) CLOSE_WITHIN_MS + 5_000);
        return socket;
    }

    private static void send(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(UTF_8));
        socket.getOutputStream().flush();
    }

    /** Sends {@code GET path} on the kept-alive connection and reads its response. */
    private static String get(Socket socket, String path) throws IOException {
        send(socket, "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
        return readResponse(socket.getInputStream());
    }

    /** One response: status line, headers and a Content-Length body; IOException if the connection ends first. */
    private static String readResponse(InputStream in) throws IOException {
        var head = new ByteArrayOutputStream();
        while (!head.toString(UTF_8).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after " + head.size() + " bytes: " + head.toString(UTF_8));
            }
            head.write(b);
        }
        String headers = head.toString(UTF_8);
        int length = 0;
        for (String line : headers.split("\r\n")) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return headers + new String(in.readNBytes(length), UTF_8);
    }

    private static int status(String response) {
        assertTrue(response.startsWith("HTTP/1.1 "), response);
        return Integer.parseInt(response.substring(9, 12));
    }

    /**
     * Reads until the server closes the connection (end of stream or reset) and returns what it
     * sent; fails if it is still open after {@link #CLOSE_WITHIN_MS} plus a margin.
     */
    private static String awaitClose(Socket socket) {
        var received = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        try {
            InputStream in = socket.getInputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                received.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            fail("the server kept the connection open over " + (CLOSE_WITHIN_MS + 5_000) + " ms; received: '"
                    + received.toString(UTF_8) + "'");
        } catch (IOException reset) {
            // closed by the server with a reset: closed all the same
        }
        return received.toString(UTF_8);
    }

    private static long msSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }
}
