package io.prefstream.generator;

import ai.djl.Device;
import io.prefstream.model.LmConfig;
import io.prefstream.model.checkpoint.CheckpointException;
import io.prefstream.model.checkpoint.Checkpoints;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.platform.deadletter.DeadLetterPublisher;
import io.prefstream.platform.kafka.KafkaClients;
import io.prefstream.schemas.PolicyUpdate;
import io.prefstream.schemas.serde.AvroDecoder;
import io.prefstream.schemas.serde.RecordDecodingException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the compacted policy-updates topic from the beginning, without a consumer group, on its
 * own thread. For each newer version of the followed policy (versions must increase; older or
 * equal ones are ignored) it loads the {@code file:} checkpoint, verifies the published sha256, the
 * kind, the tensor layout and, once a policy is loaded, that the shape and tokenizer are unchanged,
 * then hands the result to the generator as a {@link PolicyEvent}: {@code Loaded}, or
 * {@code Rejected} with the reason (the generator keeps its version). Of several updates read in one
 * poll only the newest is loaded, so catching up on a long history loads one checkpoint.
 *
 * <p>Hand-over: one slot; a newer event replaces an untaken one (a replaced loaded policy is
 * closed here, since the generator never saw it).
 */
final class PolicyFollower implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PolicyFollower.class);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final AvroDecoder<PolicyUpdate> decoder;
    private final DeadLetterPublisher deadLetters;
    private final String topic;
    private final String policyName;
    private final String service;
    private final Device device;
    private final Duration pollTimeout;
    private final int maxNewTokens;
    private final AtomicReference<PolicyEvent> slot = new AtomicReference<>();
    private final AtomicLong publishedVersion = new AtomicLong(-1);
    private final AtomicBoolean running = new AtomicBoolean();
    private final Thread thread;
    private volatile LmConfig expectedConfig;
    private volatile String expectedTokenizer;
    private volatile Throwable failure;

    /** @param initial the policy served before any update (its version counts as seen), or null */
    PolicyFollower(
            KafkaClients clients,
            AvroDecoder<PolicyUpdate> decoder,
            DeadLetterPublisher deadLetters,
            GeneratorConfig config,
            Device device,
            ServingPolicy initial) {
        var props = clients.consumerProperties("unused");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG); // assigned, read from the beginning, never committed
        this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.decoder = decoder;
        this.deadLetters = deadLetters;
        this.topic = config.topics().policyUpdates();
        this.policyName = config.policy();
        this.service = config.common().serviceId();
        this.device = device;
        this.pollTimeout = config.pollTimeout().multipliedBy(2);
        this.maxNewTokens = config.maxNewTokens();
        if (initial != null) {
            publishedVersion.set(initial.version());
            expectedConfig = initial.model().config();
            expectedTokenizer = initial.model().tokenizer().id();
        }
        this.thread = new Thread(this::run, "prefstream-generator-policy-follower");
        thread.setDaemon(true);
    }

    void start() {
        var partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition()))
                .toList();
        if (partitions.isEmpty()) {
            throw new IllegalStateException("Topic " + topic + " has no partitions; provision it before starting");
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        running.set(true);
        thread.start();
    }

    private boolean started() {
        return thread.getState() != Thread.State.NEW;
    }

    /** The newest version seen on the topic for the followed policy (loaded or not), -1 when none. */
    long publishedVersion() {
        return publishedVersion.get();
    }

    /** The pending event, if any, now owned by the caller. */
    PolicyEvent take() {
        return slot.getAndSet(null);
    }

    boolean isRunning() {
        return running.get() && thread.isAlive();
    }

    Throwable failure() {
        return failure;
    }

    private void run() {
        try {
            log.info("Following policy '{}' on {} from the beginning", policyName, topic);
            while (running.get()) {
                ConsumerRecord<byte[], byte[]> newest = null;
                PolicyUpdate newestUpdate = null;
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(pollTimeout)) {
                    PolicyUpdate update = decode(record);
                    if (update == null || !update.getPolicy().equals(policyName)) {
                        continue;
                    }
                    if (newestUpdate == null || update.getVersion() > newestUpdate.getVersion()) {
                        newest = record;
                        newestUpdate = update;
                    }
                }
                if (newestUpdate != null) {
                    consider(newest, newestUpdate);
                }
            }
        } catch (WakeupException e) {
            if (running.get()) {
                failure = e;
                log.error("Policy follower woken up unexpectedly", e);
            }
        } catch (RuntimeException | Error e) {
            failure = e;
            log.error("Policy follower stopped: {}; the generator keeps its current policy", e.toString(), e);
        } finally {
            running.set(false);
            consumer.close();
            PolicyEvent left = slot.getAndSet(null);
            if (left instanceof PolicyEvent.Loaded loaded) {
                loaded.policy().close();
            }
        }
    }

    private PolicyUpdate decode(ConsumerRecord<byte[], byte[]> record) {
        try {
            PolicyUpdate update = decoder.decode(record);
            if (update == null) {
                log.debug("Tombstone at {}-{}@{} ignored", record.topic(), record.partition(), record.offset());
            }
            return update;
        } catch (RecordDecodingException e) {
            awaitDeadLetter(record, e);
            return null;
        }
    }

    private void awaitDeadLetter(ConsumerRecord<byte[], byte[]> record, Exception error) {
        try {
            deadLetters
                    .send(record, service, InvalidPromptException.UNDECODABLE, error)
                    .get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "Cannot write dead letter for " + record.topic() + "-" + record.partition() + "@" + record.offset()
                            + ": " + e.getCause(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while dead-lettering a policy update", e);
        }
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
        running.set(false);
        if (!started()) {
            consumer.close();
            return;
        }
        consumer.wakeup();
        if (thread.isAlive() && Thread.currentThread() != thread) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
