package io.prefstream.labeler.machine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.prefstream.labeler.LabelerConfig;
import io.prefstream.labeler.LabelerSettings;
import io.prefstream.labeler.MachineKind;
import io.prefstream.schemas.Completion;
import io.prefstream.schemas.Rollout;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Labels completions with a reward model behind HTTP, in the convention of OpenRLHF's
 * {@code --remote_rm_url} ({@code openrlhf.cli.serve_rm}): one POST per batch with JSON
 * {@code {"query": [prompt+response, ...], "prompts": [prompt, ...], "labels": [label, ...]}} (one
 * entry per completion, rollout after rollout; the label is the prompt metadata value under
 * {@code labeler.remote.label-key}, "" when absent), answered by {@code {"rewards": [r, ...]}} with
 * exactly one finite number per query.
 *
 * <p>Failure handling: each call has a timeout; timeouts, connection errors, 429 and 5xx are retried
 * up to {@code labeler.remote.max-attempts} calls with exponential backoff
 * ({@code backoff · 2^(attempt−1)}, capped); every failed call counts towards the
 * {@link CircuitBreaker}, which refuses calls while open. A batch that still fails, a response that
 * is not one finite reward per query, and any other 4xx fail every rollout of the batch with a
 * {@link LabelingException}, which sends them to the dead-letter topic; a reward is never invented.
 */
public final class RemoteRewardModelLabeler implements MachineLabeler {

    private static final Logger log = LoggerFactory.getLogger(RemoteRewardModelLabeler.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LabelerConfig.Remote config;
    private final HttpClient http;
    private final CircuitBreaker breaker;
    private final String id;

    public RemoteRewardModelLabeler(LabelerConfig.Remote config) {
        this(config, System::currentTimeMillis);
    }

    /** With an injected clock for the circuit breaker (tests). */
    public RemoteRewardModelLabeler(LabelerConfig.Remote config, LongSupplier clockMs) {
        this.config = Objects.requireNonNull(config, "config");
        Objects.requireNonNull(config.url(), LabelerSettings.REMOTE_URL.key());
        this.http = HttpClient.newBuilder()
                .connectTimeout(config.timeout())
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        this.breaker = new CircuitBreaker(config.breakerFailures(), config.breakerOpen(), clockMs);
        this.id = "remote:" + config.url().getHost()
                + (config.url().getPort() > 0 ? ":" + config.url().getPort() : "");
    }

    public CircuitBreaker breaker() {
        return breaker;
    }

    @Override
    public MachineKind kind() {
        return MachineKind.REMOTE;
    }

    @Override
    public String labelerId(Rollout rollout) {
        return id;
    }

    @Override
    public String version() {
        return config.url().toString();
    }

    @Override
    public boolean unavailable() {
        return breaker.isRejecting();
    }

    @Override
    public List<Outcome> score(List<Rollout> batch) {
        int queries = batch.stream().mapToInt(r -> r.getCompletions().size()).sum();
        byte[] body = requestBody(batch);
        String lastError = "no attempt made";
        for (int attempt = 1; attempt <= config.maxAttempts(); attempt++) {
            if (!breaker.tryAcquire()) {
                return Outcome.allFailed(
                        batch.size(),
                        new LabelingException(
                                LabelingException.CIRCUIT_OPEN,
                                "remote reward model " + config.url() + " is failing (circuit breaker open after "
                                        + config.breakerFailures() + " consecutive failed calls); last error: "
                                        + lastError));
            }
            try {
                var response = http.send(
                        HttpRequest.newBuilder(config.url())
                                .timeout(config.timeout())
                                .header("Content-Type", "application/json")
                                .header("Accept", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if (status / 100 == 2) {
                    double[] rewards;
                    try {
                        rewards = parseRewards(response.body(), queries);
                    } catch (LabelingException e) {
                        breaker.failure();
                        return Outcome.allFailed(batch.size(), e);
                    }
                    breaker.success();
                    return Outcome.perRollout(batch, rewards);
                }
                lastError = "HTTP " + status + ": " + abbreviate(response.body());
                if (status != 429 && status < 500) {
                    breaker.success(); // the server is up; it refuses this request
                    return Outcome.allFailed(
                            batch.size(),
                            new LabelingException(
                                    LabelingException.REMOTE_REJECTED,
                                    "remote reward model " + config.url() + " refused the batch: " + lastError));
                }
                breaker.failure();
            } catch (HttpTimeoutException e) {
                breaker.failure();
                lastError = "timed out after " + config.timeout().toMillis() + " ms";
            } catch (IOException e) {
                breaker.failure();
                lastError = e.toString();
            } catch (InterruptedException e) {
                breaker.failure();
                Thread.currentThread().interrupt();
                return Outcome.allFailed(
                        batch.size(),
                        new LabelingException(
                                LabelingException.REMOTE_UNAVAILABLE, "interrupted while calling " + config.url(), e));
            }
            log.warn(
                    "Remote reward model call {}/{} to {} failed: {}",
                    attempt,
                    config.maxAttempts(),
                    config.url(),
                    lastError);
            if (attempt < config.maxAttempts() && !sleep(backoff(attempt))) {
                break;
            }
        }
        return Outcome.allFailed(
                batch.size(),
                new LabelingException(
                        LabelingException.REMOTE_UNAVAILABLE,
                        "remote reward model " + config.url() + " failed " + config.maxAttempts()
                                + " attempts; last error: " + lastError));
    }

    /** {@code backoff · 2^(attempt−1)}, capped at {@code max-backoff}. */
    Duration backoff(int attempt) {
        long base = config.backoff().toMillis();
        long wait = base << Math.min(attempt - 1, 30);
        return Duration.ofMillis(
                Math.min(wait < 0 ? Long.MAX_VALUE : wait, config.maxBackoff().toMillis()));
    }

    private static boolean sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private byte[] requestBody(List<Rollout> batch) {
        var root = JSON.createObjectNode();
        ArrayNode query = root.putArray("query");
        ArrayNode prompts = root.putArray("prompts");
        ArrayNode labels = root.putArray("labels");
        for (Rollout rollout : batch) {
            String prompt = rollout.getPrompt().getText();
            String label = rollout.getPrompt().getMetadata().getOrDefault(config.labelKey(), "");
            for (Completion c : rollout.getCompletions()) {
                query.add(prompt + c.getText());
                prompts.add(prompt);
                labels.add(label);
            }
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode remote reward-model request: " + e.getMessage(), e);
        }
    }

    private double[] parseRewards(String body, int expected) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw badResponse("a JSON object, found unparseable text: " + abbreviate(body));
        }
        JsonNode rewards = root == null ? null : root.get(config.scoreKey());
        if (rewards == null || !rewards.isArray()) {
            throw badResponse("a JSON object with an array '" + config.scoreKey() + "', found " + abbreviate(body));
        }
        if (rewards.size() != expected) {
            throw badResponse(expected + " rewards (one per query), found " + rewards.size());
        }
        double[] out = new double[expected];
        for (int i = 0; i < expected; i++) {
            JsonNode r = rewards.get(i);
            if (!r.isNumber() || !Double.isFinite(r.asDouble())) {
                throw badResponse("finite numbers, found " + r + " at position " + i);
            }
            out[i] = r.asDouble();
        }
        return out;
    }

    private LabelingException badResponse(String what) {
        return new LabelingException(
                LabelingException.REMOTE_BAD_RESPONSE, "remote reward model " + config.url() + ": expected " + what);
    }

    private static String abbreviate(String s) {
        if (s == null) {
            return "<empty>";
        }
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
