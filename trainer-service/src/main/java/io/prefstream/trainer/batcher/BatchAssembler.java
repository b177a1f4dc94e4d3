package io.prefstream.trainer.batcher;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.prefstream.platform.deadletter.StreamsDeadLetters;
import io.prefstream.schemas.LabeledRollout;
import io.prefstream.schemas.PolicyUpdate;
import io.prefstream.schemas.PreferencePair;
import io.prefstream.schemas.Rollout;
import io.prefstream.schemas.TrainingBatch;
import io.prefstream.schemas.registry.SchemaRegistryClient;
import io.prefstream.schemas.serde.RecordDecodingException;
import io.prefstream.schemas.topics.TopicCodec;
import io.prefstream.schemas.topics.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Second stage of the batcher, a single task over the single-partition input topic: keeps the
 * offline pool, the online buffer, the latest policy version and the trainer's progress in state
 * stores, and emits {@link TrainingBatch}es.
 *
 * <p>Rules:
 * <ul>
 *   <li>A batch is emitted only when it can be full with the exact mix: {@code m = round(size·f)}
 *       buffered online records (oldest first) and {@code size − m} offline pairs sampled uniformly
 *       with {@code SplittableRandom(seed ⊕ sequence)}. Scarce online data therefore makes the
 *       batcher wait; with f = 1 the trainer waits with it. Nothing is emitted before the first
 *       policy update of the batcher's policy (the version the staleness bound refers to).</li>
 *   <li>Back-pressure: at most {@code max-ahead} batches beyond the last sequence the trainer
 *       reported as consumed ({@code PolicyUpdate.consumed_batch_sequence} of its policy
 *       updates), so online data waits here, where the staleness bound still applies to it.</li>
 *   <li>Staleness: an online record with {@code latest − version > S} goes to the stale topic, on
 *       arrival or when a new version makes buffered records stale.</li>
 *   <li>Iterative rounds ({@code roundSteps} R &gt; 0, the GSHF protocol): the staleness bound is 0,
 *       so a round trains only on samples of the newest version, and batch {@code k·R} (k ≥ 1) waits
 *       until a version newer than the one round k − 1 began with is published; samples the
 *       generator made beyond its round's needs go to the stale topic instead of into the next
 *       round.</li>
 *   <li>Sequence numbers start at 0 and grow by one per batch; the counter lives in a
 *       changelogged store, so it survives restarts.</li>
 *   <li>Accounting: per generator id, the online records put into batches or routed stale are
 *       counted (changelogged, cumulative); every batch carries the counts as of its emission
 *       ({@code TrainingBatch.online_accounted}), the trainer reports those of the last batch it
 *       consumed on its policy updates, and generators hold prompts while what they produced
 *       minus that exceeds their bound (see the generator's {@code AdmissionControl}).</li>
 * </ul>
 */
final class BatchAssembler implements Processor<byte[], byte[], Routed, byte[]> {

    private static final Logger log = LoggerFactory.getLogger(BatchAssembler.class);

    static final String NEXT_SEQUENCE = "next-sequence";
    static final String LATEST_VERSION = "latest-version";
    static final String CONSUMED_SEQUENCE = "consumed-sequence";
    static final String ROUND_VERSION = "round-version";
    /** Prefix of the per-generator counts of online records accounted for (batched or routed stale). */
    static final String ACCOUNTED_PREFIX = "online-accounted/";
    /** Key of records whose generator id cannot be read. */
    static final String UNKNOWN_GENERATOR = "?";

    private final BatcherConfig config;
    private final StalenessGate gate;
    private final TopicCodec<PreferencePair> pairs;
    private final TopicCodec<LabeledRollout> labeledRollouts;
    private final TopicCodec<Rollout> rollouts;
    private final TopicCodec<PolicyUpdate> updates;
    private final TopicCodec<TrainingBatch> batches;
    private final StreamsDeadLetters deadLetters;
    private final Counter emitted;
    private final MeterRegistry meters;
    private final AtomicLong bufferedGauge;
    private final AtomicLong poolGauge;
    private ProcessorContext<Routed, byte[]> context;
    private KeyValueStore<String, Long> meta;
    private OfflinePool pool;
    private OnlineBuffer buffer;

    BatchAssembler(
            BatcherConfig config,
            SchemaRegistryClient registry,
            StreamsDeadLetters deadLetters,
            MeterRegistry meters,
            AtomicLong bufferedGauge,
            AtomicLong poolGauge) {
        this.config = config;
        this.gate = new StalenessGate(config.effectiveMaxStaleness());
        this.pairs = Topics.OFFLINE_PREFERENCES.codec(registry);
        this.labeledRollouts = Topics.PREFERENCES.codec(registry);
        this.rollouts = Topics.ROLLOUTS.codec(registry);
        this.updates = Topics.POLICY_UPDATES.codec(registry);
        this.batches = Topics.TRAINING_BATCHES.codec(registry);
        this.deadLetters = deadLetters;
        this.meters = meters;
        this.emitted = Counter.builder("prefstream.batcher.batches")
                .description("Training batches emitted")
                .tag("policy", config.policyName())
                .register(meters);
        this.bufferedGauge = bufferedGauge;
        this.poolGauge = poolGauge;
    }

    @Override
    public void init(ProcessorContext<Routed, byte[]> context) {
        this.context = context;
        this.meta = context.getStateStore(BatcherTopology.META_STORE);
        this.pool = new OfflinePool(
                context.getStateStore(BatcherTopology.POOL_STORE),
                context.getStateStore(BatcherTopology.POOL_INDEX_STORE),
                meta);
        this.buffer = new OnlineBuffer(context.getStateStore(BatcherTopology.BUFFER_STORE), meta);
        bufferedGauge.set(buffer.size());
        poolGauge.set(pool.size());
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        BatcherInput in = BatcherInput.decode(record.value());
        try {
            switch (in.kind()) {
                case OFFLINE_PAIR ->
                    pool.put(decode(pairs, in).getId(), in.source().value());
                case OFFLINE_TOMBSTONE ->
                    pool.remove(
                            new String(in.source().key(), UTF_8),
                            bytes -> pairs.decode(in.source().topic(), -1, -1, bytes)
                                    .getId());
                case LABELED_ROLLOUT, UNLABELED_ROLLOUT -> admit(in);
                case POLICY_UPDATE -> onPolicyUpdate(decode(updates, in));
                default -> throw new IllegalStateException("unexpected input kind " + in.kind());
            }
        } catch (RecordDecodingException e) {
            deadLetter(in, "undecodable", e);
        }
        emitReady(record.timestamp());
        bufferedGauge.set(buffer.size());
        poolGauge.set(pool.size());
    }

    private void admit(BatcherInput in) {
        Long latest = meta.get(LATEST_VERSION);
        if (latest != null && gate.isStale(in.policyVersion(), latest)) {
            routeStale(in, latest, "arrival");
        } else {
            buffer.append(in);
        }
    }

    private void onPolicyUpdate(PolicyUpdate update) {
        Long latest = meta.get(LATEST_VERSION);
        if (latest == null || update.getVersion() > latest) {
            meta.put(LATEST_VERSION, update.getVersion());
            log.info("Batcher for policy {} sees version {}", config.policyName(), update.getVersion());
        }
        Long consumed = update.getConsumedBatchSequence();
        if (consumed == null) { // written before the field existed: the signal rode in the metrics map
            Double legacy = update.getMetrics().get(BatcherTopology.LEGACY_CONSUMED_SEQUENCE_METRIC);
            consumed = legacy == null ? null : legacy.longValue();
        }
        if (consumed != null) {
            Long known = meta.get(CONSUMED_SEQUENCE);
            if (known == null || consumed > known) {
                meta.put(CONSUMED_SEQUENCE, consumed);
            }
        }
        long newest = meta.get(LATEST_VERSION);
        for (BatcherInput stale : buffer.removeIf(r -> gate.isStale(r.policyVersion(), newest))) {
            routeStale(stale, newest, "buffer");
        }
    }

    private void emitReady(long timestamp) {
        Long latest = meta.get(LATEST_VERSION);
        if (latest == null) {
            return;
        }
        int online = config.onlineItems();
        int offline = config.offlineItems();
        while (true) {
            long next = value(NEXT_SEQUENCE, 0);
            long consumed = value(CONSUMED_SEQUENCE, -1);
            if (next - 1 - consumed >= config.maxAhead()) {
                return;
            }
            boolean roundStart = config.roundSteps() > 0 && next % config.roundSteps() == 0;
            if (roundStart && next > 0 && latest <= value(ROUND_VERSION, -1)) {
                return; // the previous round's policy has not been published yet
            }
            if (buffer.size() < online || (offline > 0 && pool.size() == 0)) {
                return;
            }
            if (roundStart) {
                meta.put(ROUND_VERSION, latest);
            }
            emit(next, buffer.poll(online), offline, timestamp);
            meta.put(NEXT_SEQUENCE, next + 1);
        }
    }

    private void emit(long sequence, List<BatcherInput> onlineRecords, int offline, long timestamp) {
        var labeled = new ArrayList<LabeledRollout>();
        var unlabeled = new ArrayList<Rollout>();
        Long minVersion = null;
        Long maxVersion = null;
        for (BatcherInput r : onlineRecords) {
            Rollout rollout;
            if (r.kind() == InputKind.LABELED_ROLLOUT) {
                LabeledRollout l = decode(labeledRollouts, r);
                labeled.add(l);
                rollout = l.getRollout();
            } else {
                rollout = decode(rollouts, r);
                unlabeled.add(rollout);
            }
            account(rollout.getGeneratorId());
            minVersion = minVersion == null ? r.policyVersion() : Math.min(minVersion, r.policyVersion());
            maxVersion = maxVersion == null ? r.policyVersion() : Math.max(maxVersion, r.policyVersion());
        }
        var offlinePairs = new ArrayList<PreferencePair>(offline);
        for (long ordinal : pool.sample(offline, new SplittableRandom(mix(config.seed(), sequence)))) {
            offlinePairs.add(pairs.decode(pool.get(ordinal)));
        }
        String id = config.policyName() + "-" + sequence;
        var batch = TrainingBatch.newBuilder()
                .setBatchId(id)
                .setSequence(sequence)
                .setOfflinePairs(offlinePairs)
                .setOnlineLabeled(labeled)
                .setOnlineUnlabeled(unlabeled)
                .setMinPolicyVersion(minVersion)
                .setMaxPolicyVersion(maxVersion)
                .setCreatedAtMs(System.currentTimeMillis())
                .setOnlineAccounted(accounted())
                .build();
        byte[] bytes = batches.encode(batch);
        context.forward(new Record<>(new Routed(Topics.TRAINING_BATCHES.name(), id.getBytes(UTF_8)), bytes, timestamp));
        emitted.increment();
        log.debug(
                "Emitted batch {}: {} offline pairs, {} labeled and {} unlabeled rollouts, versions [{}, {}]",
                id,
                offlinePairs.size(),
                labeled.size(),
                unlabeled.size(),
                minVersion,
                maxVersion);
    }

    private void routeStale(BatcherInput in, long latest, String detectedAt) {
        var r = in.source();
        Headers headers = r.kafkaHeaders();
        headers.add(StaleHeaders.SOURCE_TOPIC, r.topic().getBytes(UTF_8));
        headers.add(
                StaleHeaders.SOURCE_PARTITION, Integer.toString(r.partition()).getBytes(UTF_8));
        headers.add(StaleHeaders.SOURCE_OFFSET, Long.toString(r.offset()).getBytes(UTF_8));
        headers.add(
                StaleHeaders.POLICY_VERSION, Long.toString(in.policyVersion()).getBytes(UTF_8));
        headers.add(StaleHeaders.LATEST_VERSION, Long.toString(latest).getBytes(UTF_8));
        headers.add(
                StaleHeaders.MAX_STALENESS,
                Long.toString(config.effectiveMaxStaleness()).getBytes(UTF_8));
        headers.add(StaleHeaders.DETECTED_AT, detectedAt.getBytes(UTF_8));
        account(generatorIdOf(in));
        Counter.builder("prefstream.batcher.stale")
                .description("Online records beyond the staleness bound")
                .tag("policy", config.policyName())
                .tag("source_topic", r.topic())
                .register(meters)
                .increment();
        log.info(
                "Stale: {} from version {} while the latest is {} (max staleness {}), detected at {}",
                in,
                in.policyVersion(),
                latest,
                config.maxStaleness(),
                detectedAt);
        context.forward(new Record<>(new Routed(Topics.STALE.name(), r.key()), r.value(), r.timestamp(), headers));
    }

    private void deadLetter(BatcherInput in, String reason, Exception error) {
        var r = in.source();
        var letter = deadLetters.letter(r, reason, null, error, System.currentTimeMillis());
        context.forward(new Record<>(
                new Routed(Topics.DEAD_LETTERS.name(), letter.key()), letter.value(), r.timestamp(), letter.headers()));
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> T decode(
            TopicCodec<T> decoder, BatcherInput in) {
        var r = in.source();
        return decoder.decode(r.topic(), r.partition(), r.offset(), r.value());
    }

    /** Counts one online record of {@code generatorId} as accounted for. */
    private void account(String generatorId) {
        String key = ACCOUNTED_PREFIX + generatorId;
        meta.put(key, value(key, 0) + 1);
    }

    /** Every generator's count of accounted online records, by generator id. */
    Map<String, Long> accounted() {
        var counts = new TreeMap<String, Long>();
        // keys are ordered by their UTF-8 bytes; '0' follows '/', so this is exactly the prefix
        try (var it =
                meta.range(ACCOUNTED_PREFIX, ACCOUNTED_PREFIX.substring(0, ACCOUNTED_PREFIX.length() - 1) + "0")) {
            it.forEachRemaining(kv -> {
                if (kv.key.startsWith(ACCOUNTED_PREFIX)) {
                    counts.put(kv.key.substring(ACCOUNTED_PREFIX.length()), kv.value);
                }
            });
        }
        return counts;
    }

    /** The generator id of an online record, {@value #UNKNOWN_GENERATOR} when it cannot be decoded. */
    private String generatorIdOf(BatcherInput in) {
        try {
            return in.kind() == InputKind.LABELED_ROLLOUT
                    ? decode(labeledRollouts, in).getRollout().getGeneratorId()
                    : decode(rollouts, in).getGeneratorId();
        } catch (RecordDecodingException e) {
            return UNKNOWN_GENERATOR;
        }
    }

    private long value(String key, long absent) {
        Long v = meta.get(key);
        return v == null ? absent : v;
    }

    /** SplitMix64 finaliser of seed and sequence: decorrelated streams for consecutive batches. */
    static long mix(long seed, long sequence) {
        long z = seed + 0x9E3779B97F4A7C15L * (sequence + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
