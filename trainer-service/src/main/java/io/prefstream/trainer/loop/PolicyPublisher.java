package io.prefstream.trainer.loop;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.prefstream.platform.kafka.KafkaClients;
import io.prefstream.platform.kafka.TopicProducer;
import io.prefstream.platform.kafka.TopicReader;
import io.prefstream.schemas.MetricsKind;
import io.prefstream.schemas.PolicyUpdate;
import io.prefstream.schemas.TrainerMetrics;
import io.prefstream.schemas.serde.RecordDecodingException;
import io.prefstream.schemas.topics.Topic;
import io.prefstream.schemas.topics.TopicCodec;
import io.prefstream.schemas.topics.Topics;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the trainer tells the rest of the system: {@link PolicyUpdate}s on the compacted
 * policy-updates topic (keyed by policy name) and {@link TrainerMetrics} on the metrics topic.
 * A policy update is acknowledged before the caller goes on, so the consumer offset is never
 * committed for a checkpoint nobody was told about.
 */
final class PolicyPublisher {

    private static final Logger log = LoggerFactory.getLogger(PolicyPublisher.class);
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(60);

    private final TopicProducer producer;
    private final String policy;
    private final TopicCodec<PolicyUpdate> updates;

    PolicyPublisher(TopicProducer producer, String policy) {
        this.producer = producer;
        this.policy = policy;
        this.updates = producer.codec(Topics.POLICY_UPDATES);
    }

    /**
     * Publishes the checkpoint in {@code entry} as {@code version} and waits for the broker's ack.
     *
     * @param trainMetrics latest training metrics, published with the update
     */
    PolicyUpdate publish(CheckpointStore.Entry entry, long version, Map<String, Double> trainMetrics) {
        var values = new TreeMap<>(trainMetrics);
        long bytes;
        try {
            bytes = Files.size(entry.dir().resolve(io.prefstream.model.checkpoint.Checkpoints.WEIGHTS));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot stat checkpoint " + entry.dir(), e);
        }
        var update = update(
                policy,
                version,
                entry.dir().toUri().toString(),
                entry.manifest().weightsSha256(),
                bytes,
                entry.state(),
                values);
        await(Topics.POLICY_UPDATES, producer.send(Topics.POLICY_UPDATES, policy, update));
        log.info(
                "Published policy {} version {} (step {}, {}, sha256 {})",
                policy,
                version,
                entry.state().step(),
                entry.dir(),
                entry.manifest().weightsSha256());
        return update;
    }

    /**
     * The update announcing a checkpoint: the trainer's progress ({@code consumed_batch_sequence},
     * the batcher's back-pressure signal, and {@code online_accounted}, the generators') comes from
     * the checkpoint's {@code state}.
     */
    static PolicyUpdate update(
            String policy,
            long version,
            String uri,
            String sha256,
            long bytes,
            TrainerState state,
            Map<String, Double> metrics) {
        return PolicyUpdate.newBuilder()
                .setPolicy(policy)
                .setVersion(version)
                .setCheckpointUri(uri)
                .setSha256(sha256)
                .setBytes(bytes)
                .setTrainerStep(state.step())
                .setMetrics(metrics)
                .setCreatedAtMs(System.currentTimeMillis())
                .setConsumedBatchSequence(state.batchSequence())
                .setOnlineAccounted(state.onlineAccounted())
                .build();
    }

    /**
     * Sends one metrics record, keyed by policy name (one partition per policy, in send order); does
     * not wait. A step retrained after a restart is sent again: consumers keep the last record per
     * {@link io.prefstream.schemas.MetricsKey}.
     */
    void metrics(MetricsKind kind, long step, long version, Map<String, Double> values) {
        var record = TrainerMetrics.newBuilder()
                .setPolicy(policy)
                .setStep(step)
                .setPolicyVersion(version)
                .setKind(kind)
                .setMetrics(new TreeMap<>(values))
                .setCreatedAtMs(System.currentTimeMillis())
                .build();
        producer.send(Topics.METRICS, policy, record);
    }

    /** Waits until every record sent so far is acknowledged. */
    void flush() {
        producer.flush();
    }

    private static void await(Topic<?> topic, Future<?> future) {
        try {
            future.get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new KafkaException(
                    "cannot publish to " + topic + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new KafkaException("no ack from " + topic + " within " + SEND_TIMEOUT.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("interrupted while publishing to " + topic, e);
        }
    }

    /**
     * The newest version of this policy on the policy-updates topic, read from its beginning to its
     * end (the topic is compacted, so this is short), or empty when none was ever published.
     */
    OptionalLong latestPublished(KafkaClients clients) {
        var latest = new long[] {-1};
        TopicReader.readToEnd(clients, Topics.POLICY_UPDATES.name(), SEND_TIMEOUT, r -> {
            if (r.key() == null || !policy.equals(new String(r.key(), UTF_8)) || r.value() == null) {
                return;
            }
            try {
                latest[0] = Math.max(latest[0], updates.decode(r).getVersion());
            } catch (RecordDecodingException e) {
                log.warn(
                        "Skipping an undecodable policy update at {}-{}@{}: {}",
                        r.topic(),
                        r.partition(),
                        r.offset(),
                        e.reason());
            }
        });
        boolean found = latest[0] >= 0;
        long newest = latest[0];
        return found ? OptionalLong.of(newest) : OptionalLong.empty();
    }
}
