package io.prefstream.trainer.batcher;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.prefstream.platform.deadletter.StreamsDeadLetters;
import io.prefstream.schemas.registry.SchemaRegistries;
import io.prefstream.schemas.registry.SchemaRegistryClient;
import io.prefstream.schemas.topics.Topic;
import io.prefstream.schemas.topics.TopicSpec;
import io.prefstream.schemas.topics.Topics;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * The batcher: a Kafka Streams topology that mixes the offline preference set with online data
 * into {@code TrainingBatch}es for one policy.
 *
 * <pre>
 * offline-preferences ─┐  Intake (decode, validate;     ┌─▶ dead-letters
 * preferences|rollouts ├─ per input partition) ─────────┤
 * policy-updates ──────┘                                └─▶ batcher-input (1 partition) ─▶ BatchAssembler
 *                                                               ├─▶ training-batches (sequence 0, 1, 2, ...)
 *                                                               └─▶ stale (original bytes + stale.* headers)
 * </pre>
 *
 * The second stage runs as one task because sequence numbers and the mix ratio are global; all of
 * its state is in changelogged stores. See {@link BatchAssembler} for the emission rules.
 */
public final class BatcherTopology {

    /**
     * Metric under which policy updates written before {@code PolicyUpdate.consumed_batch_sequence}
     * existed carried the trainer's back-pressure signal; read only from such records.
     */
    static final String LEGACY_CONSUMED_SEQUENCE_METRIC = "last_batch_sequence";

    static final String META_STORE = "batcher-meta";
    static final String POOL_STORE = "batcher-offline-pool";
    static final String POOL_INDEX_STORE = "batcher-offline-index";
    static final String BUFFER_STORE = "batcher-online-buffer";
    /** Name of the internal single-partition topic: {@code <application.id>-batcher-input-repartition}. */
    static final String INPUT_TOPIC_NAME = "batcher-input";

    private BatcherTopology() {}

    /** The topology for {@code config}, with meters in a private registry. */
    public static Topology build(BatcherConfig config) {
        return build(config, new SimpleMeterRegistry());
    }

    /** The topology for {@code config}; stale records, dead letters, batches and buffer sizes are metered in {@code meters}. */
    public static Topology build(BatcherConfig config, MeterRegistry meters) {
        return build(
                config,
                meters,
                SchemaRegistries.forUrl(
                        config.common().schemaRegistryUrl(), config.common().kafkaProperties()));
    }

    /** The topology for {@code config}, decoding and encoding with {@code registry} (owned by the caller). */
    public static Topology build(BatcherConfig config, MeterRegistry meters, SchemaRegistryClient registry) {
        var deadLetters = new StreamsDeadLetters(config.applicationId(), meters);
        var builder = new StreamsBuilder();
        var bytes = Serdes.ByteArray();

        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(META_STORE), Serdes.String(), Serdes.Long()));
        builder.addStateStore(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(POOL_STORE), Serdes.Long(), bytes));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(POOL_INDEX_STORE), Serdes.String(), Serdes.Long()));
        builder.addStateStore(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(BUFFER_STORE), Serdes.Long(), bytes));

        Topic onlineTopic = config.onlineSource() == OnlineSource.ROLLOUTS ? Topics.ROLLOUTS : Topics.PREFERENCES;
        InputKind onlineKind = config.onlineSource() == OnlineSource.ROLLOUTS
                ? InputKind.UNLABELED_ROLLOUT
                : InputKind.LABELED_ROLLOUT;
        KStream<Routed, byte[]> intake = intake(
                        builder, Topics.OFFLINE_PREFERENCES, InputKind.OFFLINE_PAIR, config, registry, deadLetters)
                .merge(
                        intake(builder, onlineTopic, onlineKind, config, registry, deadLetters),
                        Named.as("merge-online"))
                .merge(
                        intake(builder, Topics.POLICY_UPDATES, InputKind.POLICY_UPDATE, config, registry, deadLetters),
                        Named.as("merge-updates"));

        var buffered = new AtomicLong();
        var pooled = new AtomicLong();
        Gauge.builder("prefstream.batcher.online.buffered", buffered, AtomicLong::get)
                .description("Online records waiting for a batch")
                .tag("policy", config.policyName())
                .register(meters);
        Gauge.builder("prefstream.batcher.offline.pairs", pooled, AtomicLong::get)
                .description("Offline pairs available for sampling")
                .tag("policy", config.policyName())
                .register(meters);

        intake.split(Named.as("intake-"))
                .branch(
                        (k, v) -> k.topic().equals(Topics.DEAD_LETTERS.name()),
                        Branched.withConsumer(
                                s -> s.selectKey((k, v) -> k.key(), Named.as("intake-dlq-rekey"))
                                        .to(
                                                Topics.DEAD_LETTERS.name(),
                                                Produced.with(bytes, bytes).withName("intake-dlq-sink")),
                                "dlq"))
                .defaultBranch(Branched.withConsumer(
                        s -> s.selectKey((k, v) -> k.key(), Named.as("assembler-key"))
                                .repartition(Repartitioned.with(bytes, bytes)
                                        .withName(INPUT_TOPIC_NAME)
                                        .withNumberOfPartitions(1))
                                .process(
                                        () -> new BatchAssembler(
                                                config, registry, deadLetters, meters, buffered, pooled),
                                        Named.as("assembler"),
                                        META_STORE,
                                        POOL_STORE,
                                        POOL_INDEX_STORE,
                                        BUFFER_STORE)
                                .split(Named.as("assembled-"))
                                .branch(
                                        (k, v) -> k.topic().equals(Topics.TRAINING_BATCHES.name()),
                                        Branched.withConsumer(
                                                b -> route(b, Topics.TRAINING_BATCHES, "batches"), "batches"))
                                .branch(
                                        (k, v) -> k.topic().equals(Topics.STALE.name()),
                                        Branched.withConsumer(b -> route(b, Topics.STALE, "stale"), "stale"))
                                .defaultBranch(Branched.withConsumer(
                                        b -> route(b, Topics.DEAD_LETTERS, "assembler-dlq"), "dlq")),
                        "assemble"));
        return builder.build();
    }

    private static KStream<Routed, byte[]> intake(
            StreamsBuilder builder,
            Topic<?> topic,
            InputKind kind,
            BatcherConfig config,
            SchemaRegistryClient registry,
            StreamsDeadLetters deadLetters) {
        var bytes = Serdes.ByteArray();
        return builder.stream(topic.name(), Consumed.with(bytes, bytes).withName(topic.name() + "-source"))
                .process(
                        () -> new Intake(kind, config.policyName(), registry, deadLetters),
                        Named.as(topic.name() + "-intake"));
    }

    private static void route(KStream<Routed, byte[]> stream, TopicSpec topic, String name) {
        var bytes = Serdes.ByteArray();
        stream.selectKey((k, v) -> k.key(), Named.as(name + "-rekey"))
                .to(topic.name(), Produced.with(bytes, bytes).withName(name + "-sink"));
    }
}
