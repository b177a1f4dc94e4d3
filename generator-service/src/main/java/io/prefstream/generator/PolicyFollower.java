package io.prefstream.generator;

import ai.djl.Device;
import io.prefstream.model.LmConfig;
import io.prefstream.model.checkpoint.CheckpointException;
import io.prefstream.model.checkpoint.Checkpoints;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.platform.consumer.ConsumerLoop;
import io.prefstream.platform.consumer.LoopControl;
import io.prefstream.platform.consumer.RecordProcessor;
import io.prefstream.platform.deadletter.DeadLetterPublisher;
import io.prefstream.platform.kafka.KafkaClients;
import io.prefstream.schemas.PolicyUpdate;
import io.prefstream.schemas.registry.SchemaRegistryClient;
import io.prefstream.schemas.topics.TopicCodec;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the compacted policy-updates topic from the beginning, without a consumer group, on a
 * {@link ConsumerLoop} of its own. For each newer version of the followed policy (versions must increase; older or
 * equal ones are ignored) it loads the {@code file:} checkpoint, verifies the published sha256, the
 * kind, the tensor layout and, once a policy is loaded, that the shape and tokenizer are unchanged,
 * then hands the result to the generator as a {@link PolicyEvent}: {@code Loaded}, or
 * {@code Rejected} with the reason (the generator keeps its version). Of several updates read in one
 * poll only the newest is loaded, so catching up on a long history loads one checkpoint.
 *
 * <p>Every update read also carries the trainer's accounting ({@code online_accounted}); this
 * generator's entry is kept for its {@link UntrainedBacklog} ({@link #accounted()}).
 *
 * <p>Hand-over: one slot; a newer event replaces an untaken one (a replaced loaded policy is
 * closed here, since the generator never saw it).
 */
final class PolicyFollower implements AutoCloseable, RecordProcessor {

    private static final Logger log = LoggerFactory.getLogger(PolicyFollower.class);

    private final TopicCodec<PolicyUpdate> updates;
    private final String policyName;
    private final Device device;
    private final int maxNewTokens;
    private final AtomicReference<PolicyEvent> slot = new AtomicReference<>();
    private final AtomicLong publishedVersion = new AtomicLong(-1);
    private final String generatorId;
    private final AtomicLong accounted = new AtomicLong(-1);
    private final ConsumerLoop loop;
    private volatile LmConfig expectedConfig;
    private volatile String expectedTokenizer;
    /** The newest update of the followed policy read since the last turn, and its record. */
    private ConsumerRecord<byte[], byte[]> newest;

    private PolicyUpdate newestUpdate;

    /** @param initial the policy served before any update (its version counts as seen), or null */
    PolicyFollower(
            KafkaClients clients,
            SchemaRegistryClient registry,
            DeadLetterPublisher deadLetters,
            GeneratorConfig config,
            Device device,
            ServingPolicy initial) {
        this.updates = config.topics().policyUpdates().codec(registry);
        this.policyName = config.policy();
        this.device = device;
        this.maxNewTokens = config.maxNewTokens();
        this.generatorId = config.generatorId();
        if (initial != null) {
            publishedVersion.set(initial.version());
            expectedConfig = initial.model().config();
            expectedTokenizer = initial.model().tokenizer().id();
        }
        this.loop = ConsumerLoop.builder()
                .readFromBeginning(clients, config.topics().policyUpdates().name())
                .processor(this)
                .deadLetters(deadLetters)
                .service(config.common().serviceId())
                .threadName("prefstream-generator-policy-follower")
                .pollTimeout(config.pollTimeout().multipliedBy(2))
                .build();
    }

    /** Starts following; returns once the topic's partitions are assigned. */
    void start() {
        loop.start();
        log.info("Following policy '{}' on {} from the beginning", policyName, updates.topic());
    }

    /** The newest version seen on the topic for the followed policy (loaded or not), -1 when none. */
    long publishedVersion() {
        return publishedVersion.get();
    }

    /**
     * This generator's cumulative count in the {@code online_accounted} of the newest policy update
     * read that carried one (0 when it lacks this generator), -1 before any did.
     */
    long accounted() {
        return accounted.get();
    }

    /** The pending event, if any, now owned by the caller. */
    PolicyEvent take() {
        return slot.getAndSet(null);
    }

    boolean isRunning() {
        return loop.isRunning();
    }

    Throwable failure() {
        return loop.failure().orElse(null);
    }

    /** Keeps the newest update of the followed policy; of several read in one poll only that one is loaded. */
    @Override
    public CompletableFuture<?> process(ConsumerRecord<byte[], byte[]> record, LoopControl control) {
        PolicyUpdate update = updates.decode(record);
        if (update == null) {
            log.debug("Tombstone at {}-{}@{} ignored", record.topic(), record.partition(), record.offset());
        } else if (update.getPolicy().equals(policyName)
                && (newestUpdate == null || update.getVersion() > newestUpdate.getVersion())) {
            newest = record;
            newestUpdate = update;
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public Duration beforePoll(Duration pollTimeout, LoopControl control) {
        if (newestUpdate != null) {
            noteAccounting(newestUpdate);
            consider(newest, newestUpdate);
            newest = null;
            newestUpdate = null;
        }
        return pollTimeout;
    }

    /** A loaded policy the generator never took is closed here. */
    @Override
    public void stopped() {
        PolicyEvent left = slot.getAndSet(null);
        if (left instanceof PolicyEvent.Loaded loaded) {
            loaded.policy().close();
        }
    }

    /** Keeps this generator's accounted count of {@code update} (counts only grow; an older one is ignored). */
    private void noteAccounting(PolicyUpdate update) {
        long own = accountedOf(update, generatorId);
        if (own >= 0) {
            accounted.accumulateAndGet(own, Math::max);
        }
    }

    /**
     * {@code generatorId}'s cumulative count in {@code update.online_accounted}: 0 when the map lacks
     * it, -1 when the update carries no accounting (a trainer that predates the field).
     */
    static long accountedOf(PolicyUpdate update, String generatorId) {
        var counts = update.getOnlineAccounted();
        return counts == null ? -1 : counts.getOrDefault(generatorId, 0L);
    }

    private void consider(ConsumerRecord<byte[], byte[]> record, PolicyUpdate update) {
        long version = update.getVersion();
        long seen = publishedVersion.get();
        if (version <= seen) {
            log.info(
                    "Policy update {}-{}@{}: version {} of '{}' is not newer than {}; ignored",
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    version,
                    policyName,
                    seen);
            return;
        }
        publishedVersion.set(version);
        PolicyEvent event;
        long started = System.nanoTime();
        try {
            ServingPolicy policy = load(update);
            log.info(
                    "Loaded policy '{}' version {} from {} (sha256 {}) in {} ms",
                    policyName,
                    version,
                    update.getCheckpointUri(),
                    policy.sha256(),
                    (System.nanoTime() - started) / 1_000_000);
            event = new PolicyEvent.Loaded(policy);
        } catch (RuntimeException e) { // any unusable checkpoint is skipped; the follower must go on
            log.warn(
                    "Skipping policy '{}' version {} from {}-{}@{} ({}): {}; keeping the current version",
                    policyName,
                    version,
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    update.getCheckpointUri(),
                    e.getMessage());
            event = new PolicyEvent.Rejected(version, update.getCheckpointUri(), e.getMessage());
        }
        PolicyEvent replaced = slot.getAndSet(event);
        if (replaced instanceof PolicyEvent.Loaded loaded) {
            log.info("Policy version {} was superseded by {} before it served", loaded.version(), version);
            loaded.policy().close();
        }
    }

    private ServingPolicy load(PolicyUpdate update) {
        Path dir = checkpointDir(update.getCheckpointUri());
        CausalLm model = Checkpoints.loadPolicy(dir, device, update.getSha256(), expectedConfig);
        try {
            PromptTokens.requireRoomForPrompts(model.config(), maxNewTokens);
        } catch (IllegalArgumentException e) {
            model.close();
            throw e;
        }
        String tokenizer = model.tokenizer().id();
        if (expectedTokenizer != null && !expectedTokenizer.equals(tokenizer)) {
            model.close();
            throw new CheckpointException("checkpoint " + dir + " uses tokenizer " + tokenizer + " but the served "
                    + "policy uses " + expectedTokenizer + "; a policy update must keep the tokenizer");
        }
        expectedConfig = model.config();
        expectedTokenizer = tokenizer;
        return new ServingPolicy(
                update.getVersion(),
                model,
                update.getSha256().toLowerCase(java.util.Locale.ROOT),
                update.getCheckpointUri());
    }

    /** The directory of a {@code file:} URI. */
    static Path checkpointDir(String uri) {
        URI parsed;
        try {
            parsed = URI.create(uri);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("checkpoint_uri '" + uri + "' is not a URI: " + e.getMessage(), e);
        }
        if (!"file".equalsIgnoreCase(parsed.getScheme())) {
            throw new CheckpointException("checkpoint_uri '" + uri + "': expected a file: URI of a checkpoint "
                    + "directory, found scheme " + parsed.getScheme());
        }
        try {
            return Path.of(parsed);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(
                    "checkpoint_uri '" + uri + "' does not name a local path: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        loop.close();
    }
}
