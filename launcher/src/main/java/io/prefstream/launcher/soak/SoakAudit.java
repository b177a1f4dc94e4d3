package io.prefstream.launcher.soak;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.prefstream.platform.deadletter.DeadLetterHeaders;
import io.prefstream.platform.kafka.KafkaClients;
import io.prefstream.platform.kafka.TopicReader;
import io.prefstream.schemas.LabeledRollout;
import io.prefstream.schemas.PolicyUpdate;
import io.prefstream.schemas.Rollout;
import io.prefstream.schemas.TrainingBatch;
import io.prefstream.schemas.registry.SchemaRegistryClient;
import io.prefstream.schemas.topics.TopicCodec;
import io.prefstream.schemas.topics.Topics;
import io.prefstream.trainer.batcher.StaleHeaders;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Reads a soak run's outputs into its {@link SoakLedger} as they are committed: rollouts, labeled
 * rollouts, training batches, stale records, policy updates and dead letters, each with a reader of
 * its own in no consumer group ({@code read_committed}). Not thread-safe; close it.
 */
final class SoakAudit implements AutoCloseable {

    private final SoakLedger ledger;
    private final Map<String, TopicReader> readers = new LinkedHashMap<>();
    private final Map<String, Consumer<ConsumerRecord<byte[], byte[]>>> handlers = new LinkedHashMap<>();
    private final TopicCodec<Rollout> rollouts;
    private final TopicCodec<LabeledRollout> labeled;

    SoakAudit(KafkaClients clients, SchemaRegistryClient registry, SoakLedger ledger) {
        this.ledger = ledger;
        this.rollouts = Topics.ROLLOUTS.codec(registry);
        this.labeled = Topics.PREFERENCES.codec(registry);
        TopicCodec<TrainingBatch> batches = Topics.TRAINING_BATCHES.codec(registry);
        TopicCodec<PolicyUpdate> updates = Topics.POLICY_UPDATES.codec(registry);
        handlers.put(Topics.ROLLOUTS.name(), r -> decoded(r, rollouts, ledger::rollout));
        handlers.put(Topics.PREFERENCES.name(), r -> decoded(r, labeled, ledger::labeled));
        handlers.put(Topics.TRAINING_BATCHES.name(), r -> decoded(r, batches, ledger::batch));
        handlers.put(Topics.POLICY_UPDATES.name(), r -> decoded(r, updates, ledger::policyUpdate));
        handlers.put(Topics.STALE.name(), this::stale);
        handlers.put(Topics.DEAD_LETTERS.name(), this::deadLetter);
        try {
            for (String topic : handlers.keySet()) {
                readers.put(topic, TopicReader.open(clients, topic));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Reads what each topic has committed now, without waiting for more; returns the records read. */
    long poll() {
        long n = 0;
        for (var entry : readers.entrySet()) {
            var handler = handlers.get(entry.getKey());
            for (int round = 0; round < 20; round++) {
                int read = 0;
                for (ConsumerRecord<byte[], byte[]> r : entry.getValue().poll(Duration.ofMillis(20))) {
                    handler.accept(r);
                    read++;
                }
                n += read;
                if (read == 0) {
                    break;
                }
            }
        }
        return n;
    }

    /** Reads every topic to its current end (once the services have stopped). */
    void readToEnd(Duration timeout) {
        for (var entry : readers.entrySet()) {
            entry.getValue().readToEnd(timeout, handlers.get(entry.getKey()));
        }
    }

    private <V extends org.apache.avro.specific.SpecificRecord> void decoded(
            ConsumerRecord<byte[], byte[]> r, TopicCodec<V> codec, Consumer<V> into) {
        if (header(r.headers(), SoakLedger.CORRUPT_HEADER) != null) {
            return; // injected: the services must dead-letter it; the ledger checks that on the dead-letter topic
        }
        V value;
        try {
            value = codec.decode(r);
        } catch (RuntimeException e) {
            ledger.undecodable(r.topic() + "-" + r.partition() + "@" + r.offset() + ": " + e.getMessage());
            return;
        }
        into.accept(value);
    }

    private void stale(ConsumerRecord<byte[], byte[]> r) {
        String source = header(r.headers(), StaleHeaders.SOURCE_TOPIC);
        try {
            if (Topics.ROLLOUTS.name().equals(source)) {
                ledger.stale(rollouts.decode(r).getId());
            } else {
                ledger.stale(labeled.decode(r).getRollout().getId());
            }
        } catch (RuntimeException e) {
            ledger.undecodable(r.topic() + "-" + r.partition() + "@" + r.offset() + ": " + e.getMessage());
        }
    }

    private void deadLetter(ConsumerRecord<byte[], byte[]> r) {
        String corrupt = header(r.headers(), SoakLedger.CORRUPT_HEADER);
        ledger.deadLetter(
                corrupt == null ? null : Integer.valueOf(corrupt),
                header(r.headers(), DeadLetterHeaders.SOURCE_TOPIC),
                header(r.headers(), DeadLetterHeaders.REASON));
    }

    private static String header(Headers headers, String key) {
        Header h = headers.lastHeader(key);
        return h == null || h.value() == null ? null : new String(h.value(), UTF_8);
    }

    @Override
    public void close() {
        List<RuntimeException> errors = new ArrayList<>();
        for (TopicReader reader : readers.values()) {
            try {
                reader.close();
            } catch (RuntimeException e) {
                errors.add(e);
            }
        }
        if (!errors.isEmpty()) {
            throw errors.get(0);
        }
    }
}
