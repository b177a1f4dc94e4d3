package io.prefstream.labeler.join;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.prefstream.labeler.LabelerConfig;
import io.prefstream.platform.deadletter.StreamsDeadLetters;
import io.prefstream.schemas.registry.SchemaRegistries;
import io.prefstream.schemas.registry.SchemaRegistryClient;
import io.prefstream.schemas.topics.Topics;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.TopicNameExtractor;
import org.apache.kafka.streams.state.Stores;

/**
 * The label join: rollouts ({@code prefstream.rollouts}, keyed by prompt id) and labels
 * ({@code prefstream.labels}) are decoded, re-keyed by rollout id into one repartition topic (so a
 * rollout and all its labels meet in one task whatever their producers keyed them by), and
 * aggregated per rollout. Output: {@code LabeledRollout} to {@code prefstream.preferences},
 * {@code LabelRequest} to {@code prefstream.label-requests}, rejected input to
 * {@code prefstream.dead-letters}, all in one exactly-once transaction per commit.
 *
 * <p>Rules, per rollout id:
 * <ul>
 *   <li><b>Policy.</b> Emitted with {@code POLICY_MET} once every kind in {@code join.required-kinds}
 *       other than HUMAN has at least one label and, when the rollout was routed to humans (or HUMAN
 *       is required), at least {@code join.min-human-votes} human labels arrived.</li>
 *   <li><b>Timeout.</b> {@code join.timeout-ms} after the rollout arrived it is emitted with
 *       {@code TIMEOUT_FALLBACK} and whatever labels it has (typically the machine ones). Deadlines
 *       are wall-clock: a punctuator on {@code WALL_CLOCK_TIME} every {@code join.punctuate-ms}
 *       checks them, so a rollout whose labels never come is still emitted while no new records
 *       arrive (stream time would stall); the cost is that replaying old data applies timeouts by
 *       processing time, not by record time.</li>
 *   <li><b>Routing.</b> {@code labeler.human.route}: all / fraction are decided when the rollout
 *       arrives, uncertain once the required machine labels are in (see {@link HumanRouting}); a
 *       routed rollout gets one {@code LabelRequest} whose deadline is its timeout.</li>
 *   <li><b>Aggregation.</b> See {@link LabelAggregation}: mean scores per kind, vote tallies per pair,
 *       best-vs-worst pair by aggregated machine score, plurality pair per voting kind.</li>
 *   <li><b>Idempotence.</b> A label whose {@code label_id} was seen, or a second label of the same
 *       (kind, labeler id) for the rollout, changes nothing (counted as duplicate); so does a rollout
 *       id seen before.</li>
 *   <li><b>Early and late labels.</b> A label for a rollout not seen yet is held; if the rollout has
 *       not arrived {@code join.orphan-timeout-ms} after the first such label, the held labels are
 *       dead-lettered as {@code orphan-label}. A new label after emission is dead-lettered as
 *       {@code late-label}. Emitted rollouts are remembered for {@code join.retention-ms}.</li>
 *   <li><b>Bad input.</b> Undecodable records, rollouts with no completions or misnumbered ones, and
 *       labels whose scores or judgement do not fit the rollout are dead-lettered (reasons
 *       {@code undecodable}, {@code invalid-rollout}, {@code invalid-label}) with their source
 *       topic/partition/offset.</li>
 * </ul>
 */
public final class LabelJoinTopology {

    /** Rollout id → {@link JoinState}. */
    public static final String STATE_STORE = "label-join-state";
    /** Deadline index of {@link #STATE_STORE}. */
    public static final String DEADLINE_STORE = "label-join-deadlines";
    /** Name of the repartition step; the internal topic is {@code prefstream-label-join-join-input-repartition}. */
    public static final String REPARTITION = "join-input";

    private LabelJoinTopology() {}

    /** The topology with its own registry client for {@code schema.registry.url} and throw-away metrics. */
    public static Topology build(LabelerConfig config) {
        return build(
                config,
                SchemaRegistries.forUrl(
                        config.common().schemaRegistryUrl(), config.common().kafkaProperties()),
                new JoinMetrics(new SimpleMeterRegistry()));
    }

    /** The topology using {@code registry} (owned by the caller) and counting into {@code metrics}. */
    public static Topology build(LabelerConfig config, SchemaRegistryClient registry, JoinMetrics metrics) {
        var codecs = new JoinCodecs(registry);
        var deadLetters = new StreamsDeadLetters(LabelerConfig.JOIN_APPLICATION_ID, metrics.registry());
        var builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(STATE_STORE), Serdes.String(), new JoinState.StateSerde()));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(DEADLINE_STORE), Serdes.String(), Serdes.String()));

        var raw = Consumed.with(Serdes.ByteArray(), Serdes.ByteArray());
        var rollouts = builder.stream(Topics.ROLLOUTS.name(), raw.withName("rollouts"))
                .process(
                        () -> new InputDecoder(JoinInput.Type.ROLLOUT, codecs, metrics, deadLetters),
                        Named.as("decode-rollouts"));
        var labels = builder.stream(Topics.LABELS.name(), raw.withName("labels"))
                .process(
                        () -> new InputDecoder(JoinInput.Type.LABEL, codecs, metrics, deadLetters),
                        Named.as("decode-labels"));
        var decoded = rollouts.merge(labels, Named.as("inputs"));

        decoded.filter((id, d) -> d.deadLetter() != null, Named.as("undecodable"))
                .map((id, d) -> KeyValue.pair(d.deadLetter().key(), d.deadLetter()), Named.as("undecodable-out"))
                .to(BY_TOPIC, Produced.with(Serdes.ByteArray(), VALUE_ONLY).withName("decode-sink"));

        decoded.filter((id, d) -> d.input() != null, Named.as("decoded"))
                .mapValues(InputDecoder.Decoded::input, Named.as("inputs-by-rollout"))
                .repartition(Repartitioned.with(Serdes.String(), new JoinInputSerde())
                        .withName(REPARTITION))
                .process(
                        () -> new LabelJoinProcessor(config, codecs, metrics, deadLetters),
                        Named.as("label-join"),
                        STATE_STORE,
                        DEADLINE_STORE)
                .map((id, out) -> KeyValue.pair(out.key(), out), Named.as("join-out"))
                .to(BY_TOPIC, Produced.with(Serdes.ByteArray(), VALUE_ONLY).withName("join-sink"));
        return builder.build();
    }

    private static final TopicNameExtractor<byte[], JoinOutput> BY_TOPIC =
            (key, out, context) -> out.topic().name();

    private static final org.apache.kafka.common.serialization.Serde<JoinOutput> VALUE_ONLY = Serdes.serdeFrom(
            (Serializer<JoinOutput>) (topic, out) -> out == null ? null : out.value(), (topic, data) -> {
                throw new UnsupportedOperationException("join outputs are written, never read back");
            });
}
