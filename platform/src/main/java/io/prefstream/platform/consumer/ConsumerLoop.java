package io.prefstream.platform.consumer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.prefstream.platform.deadletter.DeadLetterPublisher;
import io.prefstream.platform.kafka.KafkaClients;
import io.prefstream.platform.metrics.HealthStatus;
import io.prefstream.schemas.serde.RecordDecodingException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one offset-committing poll loop every consuming service runs, on a thread of its own: the
 * generator (prompts), the machine labelers (rollouts) and the trainer (training batches).
 *
 * <p>Each turn: (1) the {@link RecordProcessor} does the work that is due and says how long to
 * poll; (2) back-pressure: the assignment is paused while the {@code pauseWhen} condition (or
 * {@link #pause()}) says so, newly assigned partitions too, and a paused loop blocks in {@code poll}
 * so it never spins; (3) completed outputs are collected and committed as the {@link CommitPolicy}
 * says; (4) poll, and hand each record to the processor, which returns the future of its output.
 *
 * <p>Commit rule (at-least-once): a partition's offset advances past a record only when its output
 * and those of every earlier record of the partition completed ({@link OffsetLedger}). A record
 * whose processing throws or whose output fails goes to the dead-letter topic (bounded to fit it,
 * see {@link io.prefstream.platform.deadletter.Letter}) and the loop goes on; a dead letter that
 * fails transiently is sent again, one that can never be written is logged with the record's
 * coordinates and counted ({@value #LOST_DEAD_LETTERS_COUNTER}), and the loop goes on: one record
 * never stops a service. On revocation the
 * completed offsets are committed synchronously and the processor releases what it held; on close
 * the processor drains, the completed offsets are committed, the consumer is closed.
 */
public final class ConsumerLoop implements AutoCloseable, LoopControl {

    private static final Logger log = LoggerFactory.getLogger(ConsumerLoop.class);

    /** Dead-letter reason of a record whose processing threw without a {@link Rejection}. */
    public static final String HANDLER_EXCEPTION = DeadLetterPublisher.REASON_EXCEPTION;
    /** Dead-letter reason of a record whose output future failed without a {@link Rejection}. */
    public static final String OUTPUT_SEND_FAILED = "output-send-failed";
    /** Dead-letter reason of a record that is not a valid value of its topic. */
    public static final String UNDECODABLE = "undecodable";
    /** Counter of records given up on because their dead letter could not be written, tags {@code service}, {@code topic}. */
    public static final String LOST_DEAD_LETTERS_COUNTER = "prefstream.dead.letters.lost";
    /** Counter of records processed successfully, tags {@code service}, {@code topic}. */
    public static final String PROCESSED_COUNTER = "prefstream.consumer.records.processed";
    /** Final commits tried when {@link #close()} wake-ups land in them. */
    private static final int MAX_COMMIT_ATTEMPTS = 3;

    private final Consumer<byte[], byte[]> consumer;
    private final List<String> topics;
    private final List<TopicPartition> partitions;
    /** Topic whose every partition is assigned and read from the beginning, or null. */
    private final String assignTopic;

    private final Map<TopicPartition, Long> startOffsets;

    private final java.util.function.Consumer<Consumer<?, ?>> positioner;
    private final RecordProcessor processor;
    private final DeadLetterPublisher deadLetters;
    private final String service;
    private final Duration pollTimeout;
    private final BooleanSupplier pauseWhen;
    private final CommitPolicy policy;
    /** The transactional producer outputs are sent with ({@link CommitPolicy.Kind#TRANSACTIONAL}), else null. */
    private final org.apache.kafka.clients.producer.Producer<byte[], byte[]> transactions;

    private final MeterRegistry registry;
    private final Thread thread;
    /** Whether a transaction is open ({@link CommitPolicy.Kind#TRANSACTIONAL}); loop thread only. */
    private boolean inTransaction;

    private final OffsetLedger ledger = new OffsetLedger();
    private final OffsetLedger.Failures failures = new OffsetLedger.Failures() {
        @Override
        public java.util.function.Supplier<CompletableFuture<?>> deadLetter(
                ConsumerRecord<byte[], byte[]> record, Throwable cause) {
            log.warn(
                    "{} output for {}-{}@{} failed: {}",
                    service,
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    cause.toString());
            return deadLetterSender(record, reasonOf(cause, OUTPUT_SEND_FAILED), cause);
        }

        @Override
        public CompletableFuture<?> deadLetterFailed(
                ConsumerRecord<byte[], byte[]> record,
                Throwable cause,
                java.util.function.Supplier<CompletableFuture<?>> send) {
            return ConsumerLoop.this.deadLetterFailed(record, cause, send);
        }
    };
    private final AtomicLong lostDeadLetters = new AtomicLong();
    private volatile String lastLostDeadLetter;
    /** Offsets of completed records not yet committed. */
    private final Map<TopicPartition, OffsetAndMetadata> completed = new HashMap<>();

    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean pauseRequested = new AtomicBoolean();
    private final AtomicLong commits = new AtomicLong();
    private final CountDownLatch started = new CountDownLatch(1);
    private long lastCommitNanos = System.nanoTime();
    private volatile boolean stopRequested;
    private volatile boolean polling;
    private volatile boolean paused;
    private volatile int assigned;
    private volatile int held;
    private volatile long inputLag;
    private volatile Throwable failure;

    private ConsumerLoop(Builder b) {
        this.consumer = Objects.requireNonNull(b.consumer, "consumer");
        this.topics = List.copyOf(b.topics);
        this.partitions = List.copyOf(b.partitions);
        this.assignTopic = b.assignTopic;
        this.startOffsets = b.startOffsets;
        if (assignTopic == null && topics.isEmpty() == partitions.isEmpty()) {
            throw new IllegalArgumentException("Expected either topics to subscribe to or partitions to assign, found "
                    + topics + " and " + partitions);
        }
        this.positioner = b.positioner;
        this.processor = Objects.requireNonNull(b.processor, "processor");
        this.deadLetters = b.deadLetters;
        this.service = Objects.requireNonNull(b.service, "service");
        this.pollTimeout = b.pollTimeout;
        this.pauseWhen = b.pauseWhen;
        this.policy = b.policy;
        this.transactions = b.transactions == null ? null : b.transactions.kafkaProducer();
        if ((policy.kind() == CommitPolicy.Kind.TRANSACTIONAL) != (transactions != null)) {
            throw new IllegalArgumentException(
                    "A transactional commit policy needs the transactional producer the outputs are sent with,"
                            + " and only it: found policy " + policy + " and producer " + b.transactions);
        }
        this.registry = b.registry;
        this.thread =
                new Thread(this::run, b.threadName != null ? b.threadName : "prefstream-" + service + "-consumer");
        Gauge.builder("prefstream.consumer.paused", this, l -> l.paused ? 1 : 0)
                .description("1 while the consumer loop is paused for back-pressure")
                .tag("service", service)
                .register(registry);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Configures a {@link ConsumerLoop}; consumer, topics or partitions, processor and service are required. */
    public static final class Builder {
        private Consumer<byte[], byte[]> consumer;
        private Collection<String> topics = List.of();
        private Collection<TopicPartition> partitions = List.of();
        private java.util.function.Consumer<Consumer<?, ?>> positioner = c -> {};
        private String assignTopic;
        private Map<TopicPartition, Long> startOffsets = Map.of();
        private RecordProcessor processor;
        private DeadLetterPublisher deadLetters;
        private String service;
        private String threadName;
        private Duration pollTimeout = Duration.ofMillis(200);
        private BooleanSupplier pauseWhen = () -> false;
        private CommitPolicy policy = CommitPolicy.AFTER_EACH_POLL;
        private io.prefstream.platform.kafka.TopicProducer transactions;
        private MeterRegistry registry = new SimpleMeterRegistry();

        private Builder() {}

        /** The consumer (manual commit); the loop closes it. */
        public Builder consumer(Consumer<byte[], byte[]> consumer) {
            this.consumer = consumer;
            return this;
        }

        /**
         * A consumer in {@code groupId} with Prefstream's delivery settings, plus {@code defaults}
         * where the {@code kafka.*} passthrough does not set them.
         */
        public Builder group(KafkaClients clients, String groupId, Map<String, Object> defaults) {
            var props = clients.consumerProperties(groupId);
            defaults.forEach(props::putIfAbsent);
            return consumer(new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer()));
        }

        /**
         * A consumer in no group that reads every partition of {@code topic} from the beginning and
         * never commits (a follower of a compacted topic): fails to start when the topic has no partitions.
         */
        public Builder readFromBeginning(KafkaClients clients, String topic) {
            return readFrom(clients, topic, Map.of());
        }

        /**
         * Like {@link #readFromBeginning}, but the listed partitions start at the given offsets (a
         * display that follows only what a run adds).
         */
        public Builder readFrom(KafkaClients clients, String topic, Map<TopicPartition, Long> startOffsets) {
            this.startOffsets = Map.copyOf(startOffsets);
            var props = clients.consumerProperties("unused");
            props.remove(ConsumerConfig.GROUP_ID_CONFIG);
            consumer(new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer()));
            this.topics = List.of();
            this.assignTopic = topic;
            this.policy = CommitPolicy.ON_REQUEST;
            return this;
        }

        /** A consumer in {@code groupId} with Prefstream's delivery settings. */
        public Builder group(KafkaClients clients, String groupId) {
            return group(clients, groupId, Map.of());
        }

        /** Subscribe to {@code topics} in the consumer's group (partitions are balanced across instances). */
        public Builder topics(Collection<String> topics) {
            this.topics = List.copyOf(topics);
            return this;
        }

        public Builder topics(String... topics) {
            return topics(List.of(topics));
        }

        /**
         * Read exactly {@code partitions} (no group balancing), from where {@code positioner} seeks
         * them on the loop's thread before the first poll.
         */
        public Builder assign(
                Collection<TopicPartition> partitions, java.util.function.Consumer<Consumer<?, ?>> positioner) {
            this.partitions = List.copyOf(partitions);
            this.positioner = Objects.requireNonNull(positioner, "positioner");
            return this;
        }

        public Builder processor(RecordProcessor processor) {
            this.processor = processor;
            return this;
        }

        /**
         * Where records that cannot be processed go. Without one (a read-only follower), such a
         * record stops the loop: nothing is dropped silently.
         */
        public Builder deadLetters(DeadLetterPublisher deadLetters) {
            this.deadLetters = deadLetters;
            return this;
        }

        /** Service name for logs, metrics and the {@code dlq.service} header. */
        public Builder service(String service) {
            this.service = service;
            return this;
        }

        public Builder threadName(String name) {
            this.threadName = name;
            return this;
        }

        /** How long one poll may block at most; also the reaction time to pause/resume. Default 200 ms. */
        public Builder pollTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("Expected a positive poll timeout, found " + timeout);
            }
            this.pollTimeout = timeout;
            return this;
        }

        /** Back-pressure: the assignment is paused while this returns true (checked every turn, after {@link RecordProcessor#beforePoll}). */
        public Builder pauseWhen(BooleanSupplier condition) {
            this.pauseWhen = Objects.requireNonNull(condition, "condition");
            return this;
        }

        /**
         * Commits outputs and offsets in one transaction at most every {@code interval}, through
         * {@code producer} (created with a {@code transactional.id}; the loop initialises it); the
         * processor sends its outputs, and dead letters go, through the same producer.
         */
        public Builder transactions(io.prefstream.platform.kafka.TopicProducer producer, Duration interval) {
            this.transactions = Objects.requireNonNull(producer, "producer");
            this.policy = CommitPolicy.transactional(interval);
            return this;
        }

        /** When offsets are committed; default {@link CommitPolicy#AFTER_EACH_POLL}. */
        public Builder commitPolicy(CommitPolicy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        public Builder registry(MeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        public ConsumerLoop build() {
            return new ConsumerLoop(this);
        }

        /** Builds and starts the loop. */
        public ConsumerLoop start() {
            return build().start();
        }
    }

    /**
     * Starts the thread and returns once the consumer is subscribed (or assigned and positioned).
     *
     * @throws IllegalStateException when the loop failed before it could poll (e.g. a topic without partitions)
     */
    public ConsumerLoop start() {
        if (!running.compareAndSet(false, true)) {
            throw new IllegalStateException("Consumer loop of " + service + " already started");
        }
        thread.start();
        try {
            started.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while starting the consumer loop of " + service, e);
        }
        if (!polling && failure != null) {
            throw failure instanceof RuntimeException r
                    ? r
                    : new IllegalStateException("Consumer loop of " + service + " failed to start", failure);
        }
        return this;
    }

    /** Pauses consumption until {@link #resume()} (takes effect at the next turn). */
    public void pause() {
        pauseRequested.set(true);
    }

    public void resume() {
        pauseRequested.set(false);
    }

    /** Whether the assignment is paused right now. */
    public boolean isPaused() {
        return paused;
    }

    /** Whether the thread got as far as polling. */
    public boolean started() {
        return polling;
    }

    /** Whether the thread is polling (false once stopped, closed or failed). */
    public boolean isRunning() {
        return running.get() && thread.isAlive();
    }

    /** Why the loop stopped on its own, if it did. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /** For {@code /health}: up while polling, down with the failure once stopped. */
    public HealthStatus health() {
        if (isRunning()) {
            long lost = lostDeadLetters.get();
            if (lost > 0) {
                return HealthStatus.degraded(lost + " record(s) could be neither processed nor dead-lettered (last: "
                        + lastLostDeadLetter + ")");
            }
            return HealthStatus.up(paused ? "paused (back-pressure)" : "consuming " + subscription());
        }
        return HealthStatus.down(failure == null ? "stopped" : "failed: " + failure);
    }

    /** Number of commits made so far (tests wait on it). */
    public long commits() {
        return commits.get();
    }

    /** Partitions assigned right now. */
    public int assignedPartitions() {
        return assigned;
    }

    /** Records held between poll and commit. */
    public int held() {
        return held;
    }

    @Override
    public long inputLag() {
        return inputLag;
    }

    @Override
    public void stop() {
        stopRequested = true;
    }

    @Override
    public boolean commit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        try {
            consumer.commitSync(offsets);
            commits.incrementAndGet();
            return true;
        } catch (CommitFailedException | RebalanceInProgressException e) {
            log.warn("{} could not commit {} ({}); those records will be redelivered", service, offsets, e.toString());
            return false;
        }
    }

    /**
     * Writes the dead letter and waits for it; a transient failure (broker unreachable) is retried
     * while the loop runs; one that can never succeed is recorded ({@link #lostDeadLetters()}) and
     * the record given up on, so it never stops the loop.
     */
    @Override
    public void deadLetter(ConsumerRecord<byte[], byte[]> record, String reason, Throwable error) {
        var send = deadLetterSender(record, reason, error);
        CompletableFuture<?> attempt = send.get();
        while (true) {
            Throwable failure;
            try {
                attempt.join();
                return;
            } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
                failure = e.getCause() == null ? e : e.getCause();
            }
            attempt = deadLetterFailed(record, failure, send);
        }
    }

    /** Sends {@code record}'s dead letter each time it is called; fails the loop when there is no dead-letter topic. */
    private java.util.function.Supplier<CompletableFuture<?>> deadLetterSender(
            ConsumerRecord<byte[], byte[]> record, String reason, Throwable error) {
        if (deadLetters == null) {
            throw new FatalProcessingException(new IllegalStateException(
                    service + " has no dead-letter topic for " + record.topic() + "-" + record.partition() + "@"
                            + record.offset() + " (" + reason + "): " + error,
                    error));
        }
        processor.deadLettered(record, reason);
        return () -> deadLetters.send(record, service, reason, error);
    }

    /** A retry of a dead letter that failed transiently, or a completed future once a permanent failure is recorded. */
    private CompletableFuture<?> deadLetterFailed(
            ConsumerRecord<byte[], byte[]> record,
            Throwable cause,
            java.util.function.Supplier<CompletableFuture<?>> send) {
        String where = record.topic() + "-" + record.partition() + "@" + record.offset();
        if (cause instanceof RetriableException && running.get()) {
            log.warn("{} could not write the dead letter of {} ({}); trying again", service, where, cause.toString());
            return send.get();
        }
        lostDeadLetters.incrementAndGet();
        lastLostDeadLetter = where + ": " + cause;
        Counter.builder(LOST_DEAD_LETTERS_COUNTER)
                .description("Records that could be neither processed nor dead-lettered (see the log for each)")
                .tag("service", service)
                .tag("topic", record.topic())
                .register(registry)
                .increment();
        log.error(
                "{} gives up on {}: it could not be processed and its dead letter cannot be written ({}); the record"
                        + " stays in {} at offset {} while retention keeps it",
                service,
                where,
                cause.toString(),
                record.topic() + "-" + record.partition(),
                record.offset());
        return CompletableFuture.completedFuture(null);
    }

    /** Records given up on because not even their dead letter could be written. */
    public long lostDeadLetters() {
        return lostDeadLetters.get();
    }

    @Override
    public boolean atEnd() {
        var assignment = consumer.assignment();
        return consumer.endOffsets(assignment).entrySet().stream()
                .allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }

    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
        if (thread.isAlive() && Thread.currentThread() != thread) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else if (thread.getState() == Thread.State.NEW) {
            processor.stopped();
            closeConsumer();
        }
    }

    /**
     * Closes the consumer leaving its group, static member or not: a stopped service's partitions go
     * to the others at once, and the group is empty for an operator's offset reset. Only a process
     * that dies keeps its static membership until {@code session.timeout.ms}, so a restart takes
     * its partitions back without a rebalance.
     */
    private void closeConsumer() {
        consumer.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
    }

    private List<?> subscription() {
        if (assignTopic != null) {
            return List.of(assignTopic);
        }
        return topics.isEmpty() ? partitions : topics;
    }

    private void run() {
        try {
            if (assignTopic != null) {
                var all = consumer.partitionsFor(assignTopic).stream()
                        .map(p -> new TopicPartition(assignTopic, p.partition()))
                        .toList();
                if (all.isEmpty()) {
                    throw new IllegalStateException(
                            "Topic " + assignTopic + " has no partitions; provision it before starting");
                }
                consumer.assign(all);
                consumer.seekToBeginning(all);
                startOffsets.forEach((tp, offset) -> {
                    if (all.contains(tp)) {
                        consumer.seek(tp, offset);
                    }
                });
                assigned = all.size();
            } else if (topics.isEmpty()) {
                consumer.assign(partitions);
                positioner.accept(consumer);
                assigned = partitions.size();
            } else {
                consumer.subscribe(topics, new Rebalance());
            }
            if (transactions != null) {
                transactions.initTransactions();
                begin();
            }
            polling = true;
            started.countDown();
            log.info("{} consuming {} (commits: {})", service, subscription(), policy);
            while (running.get() && !stopRequested) {
                turn();
            }
            drain();
        } catch (WakeupException e) {
            if (running.get() && !stopRequested) {
                failure = e;
                log.error("{} consumer woken up unexpectedly", service, e);
            } else {
                drain();
            }
        } catch (RuntimeException | Error e) {
            failure = e;
            abortQuietly();
            log.error(
                    "{} consumer loop stopped: {}; uncommitted records will be re-read on restart",
                    service,
                    e.toString(),
                    e);
        } finally {
            running.set(false);
            started.countDown();
            try {
                processor.stopped();
            } finally {
                try {
                    closeConsumer();
                } catch (RuntimeException e) {
                    log.warn("Closing the consumer of {} failed: {}", service, e.toString());
                }
                log.info("{} consumer loop closed", service);
            }
        }
    }

    private void turn() {
        Duration timeout = processor.beforePoll(pollTimeout, this);
        applyBackPressure();
        collect();
        boolean due = System.nanoTime() - lastCommitNanos >= policy.interval().toNanos();
        if (policy.kind() == CommitPolicy.Kind.INTERVAL && !completed.isEmpty() && due) {
            commitAsync(Map.copyOf(completed));
            completed.clear();
            lastCommitNanos = System.nanoTime();
        } else if (policy.kind() == CommitPolicy.Kind.TRANSACTIONAL
                && due
                && (ledger.size() > 0 || !completed.isEmpty())) {
            commitEverythingCompleted();
        }
        if (stopRequested || timeout.isZero()) {
            held = ledger.size();
            return;
        }
        ConsumerRecords<byte[], byte[]> records = consumer.poll(timeout);
        for (ConsumerRecord<byte[], byte[]> record : records) {
            if (stopRequested || !running.get()) {
                break;
            }
            accept(record);
        }
        long lag = 0;
        for (TopicPartition tp : consumer.assignment()) {
            lag += consumer.currentLag(tp).orElse(0);
        }
        inputLag = lag;
        if (policy.kind() == CommitPolicy.Kind.AFTER_EACH_POLL && !records.isEmpty()) {
            settleAndCommit();
        }
        held = ledger.size();
    }

    private void accept(ConsumerRecord<byte[], byte[]> record) {
        try {
            CompletableFuture<?> output = processor.process(record, this);
            ledger.add(record, output == null ? CompletableFuture.completedFuture(null) : output);
        } catch (FatalProcessingException | WakeupException e) {
            throw e; // not the record's fault: the loop stops (or, woken by close(), ends)
        } catch (Exception e) {
            log.warn(
                    "{} failed on {}-{}@{}: {}",
                    service,
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    e.toString());
            ledger.addDeadLetter(record, deadLetterSender(record, reasonOf(e, HANDLER_EXCEPTION), e));
        }
    }

    private static String reasonOf(Throwable e, String otherwise) {
        if (e instanceof Rejection r) {
            return r.reason();
        }
        if (e instanceof RecordDecodingException) {
            return UNDECODABLE;
        }
        return otherwise;
    }

    private void applyBackPressure() {
        boolean shouldPause = pauseRequested.get() || pauseWhen.getAsBoolean();
        if (shouldPause && !paused) {
            consumer.pause(consumer.assignment());
            paused = true;
            log.debug("{} paused {}", service, consumer.assignment());
        } else if (!shouldPause && paused) {
            consumer.resume(consumer.paused());
            paused = false;
            log.debug("{} resumed", service);
        }
    }

    /** Moves completed outputs from the ledger into {@link #completed}; dead-letters failed ones. */
    private void collect() {
        completed.putAll(ledger.completed(
                failures,
                entry -> Counter.builder(PROCESSED_COUNTER)
                        .tag("service", service)
                        .tag("topic", entry.record.topic())
                        .register(registry)
                        .increment()));
    }

    /** Waits for every output in flight (dead letters of failed ones too), then commits synchronously. */
    private void settleAndCommit() {
        while (ledger.size() > 0) {
            var inFlight = ledger.inFlight();
            CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new))
                    .handle((v, e) -> null)
                    .join();
            collect();
        }
        commitCompleted();
    }

    private void commitCompleted() {
        if (policy.kind() == CommitPolicy.Kind.TRANSACTIONAL) {
            commitTransaction();
            return;
        }
        if (completed.isEmpty() || policy.kind() == CommitPolicy.Kind.ON_REQUEST) {
            completed.clear();
            return;
        }
        var offsets = Map.copyOf(completed);
        commitSyncDespiteWakeups(offsets);
        completed
                .entrySet()
                .removeIf(e -> offsets.containsKey(e.getKey())
                        && offsets.get(e.getKey()).offset() >= e.getValue().offset());
        lastCommitNanos = System.nanoTime();
    }

    /**
     * Commits the open transaction with the completed offsets, then opens the next one. Every output
     * of the transaction belongs to a completed record: the processor drained its sends first, and a
     * partition's completed records are a prefix of what it sent. If the commit fails the
     * transaction is aborted and the loop rewinds to the committed offsets, so outputs and offsets
     * stay together; a fenced producer (another instance with this transactional id) is fatal.
     */
    private void commitTransaction() {
        if (!inTransaction) {
            return; // the loop is ending and has committed its last transaction
        }
        var offsets = Map.copyOf(completed);
        try {
            if (!offsets.isEmpty()) {
                transactions.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
            }
            transactions.commitTransaction();
            inTransaction = false;
            commits.incrementAndGet();
            completed.clear();
        } catch (org.apache.kafka.common.errors.ProducerFencedException
                | org.apache.kafka.common.errors.InvalidProducerEpochException
                | org.apache.kafka.common.errors.AuthorizationException e) {
            throw e;
        } catch (org.apache.kafka.common.KafkaException e) {
            log.warn(
                    "{} could not commit its transaction ({}); aborting it and reading again from the committed"
                            + " offsets",
                    service,
                    e.toString());
            abortAndRewind(consumer.assignment());
            return;
        } finally {
            lastCommitNanos = System.nanoTime();
        }
        if (running.get() && !stopRequested) {
            begin(); // else the loop is ending: no transaction left open for close() to abort
        }
    }

    private void begin() {
        transactions.beginTransaction();
        inTransaction = true;
    }

    /** Aborts the open transaction and reads {@code partitions} again from their committed offsets. */
    private void abortAndRewind(java.util.Set<TopicPartition> partitions) {
        if (inTransaction) {
            transactions.abortTransaction();
            inTransaction = false;
        }
        completed.clear();
        ledger.release(partitions);
        processor.released(partitions);
        if (!partitions.isEmpty()) {
            var committedOffsets = consumer.committed(partitions);
            for (TopicPartition tp : partitions) {
                OffsetAndMetadata at = committedOffsets.get(tp);
                if (at != null) {
                    consumer.seek(tp, at.offset());
                } else {
                    consumer.seekToBeginning(java.util.List.of(tp));
                }
            }
        }
        if (running.get() && !stopRequested) {
            begin();
        }
    }

    private void abortQuietly() {
        if (transactions == null || !inTransaction) {
            return;
        }
        try {
            inTransaction = false;
            transactions.abortTransaction();
        } catch (RuntimeException e) {
            log.debug("{}: abort after failure: {}", service, e.toString());
        }
    }

    /**
     * Commits asynchronously, so the broker round trip does not stall the processor; commits of one
     * consumer are applied in order, and a failed one's offsets go back into {@code completed} for
     * the next commit (periodic, or the synchronous one on revocation and close).
     */
    private void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        consumer.commitAsync(offsets, (done, error) -> {
            if (error == null) {
                commits.incrementAndGet();
                return;
            }
            // Runs on this loop's thread (inside poll or a commit). Put the offsets back unless a later
            // commit already carries them or the partition is no longer ours (its new owner re-reads them).
            var owned = consumer.assignment();
            offsets.forEach((tp, offset) -> {
                if (owned.contains(tp)) {
                    completed.merge(tp, offset, (later, failed) -> later.offset() >= failed.offset() ? later : failed);
                }
            });
            log.warn("{} could not commit {} ({}); retrying with the next commit", service, offsets, error.toString());
        });
    }

    private void commitSyncDespiteWakeups(Map<TopicPartition, OffsetAndMetadata> offsets) {
        for (int attempt = 1; ; attempt++) {
            try {
                commit(offsets); // also flushes earlier asynchronous commits
                return;
            } catch (WakeupException e) {
                // close() woke the consumer while this thread was not blocked in it (e.g. processing); each
                // wake-up fires once, at the next blocking call, which was this commit: make it again.
                if (running.get() || attempt == MAX_COMMIT_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /** Lets the processor finish what it can, then commits everything completed. */
    private void commitEverythingCompleted() {
        for (int round = 0; round < 2; round++) { // a failed output is dead-lettered in round 0, settled in round 1
            processor.draining();
            collect();
        }
        // Twice at most: an asynchronous commit that fails while this one flushes it puts its offsets back.
        for (int pass = 0; pass < 2 && !completed.isEmpty(); pass++) {
            commitCompleted();
        }
    }

    private void drain() {
        if (policy.kind() == CommitPolicy.Kind.ON_REQUEST) {
            return;
        }
        try {
            commitEverythingCompleted();
            if (inTransaction) {
                commitTransaction(); // even an empty one: a producer closed inside a transaction waits for it
            }
        } catch (RuntimeException e) {
            log.warn(
                    "{} could not commit its last outputs ({}); those records will be read again on restart",
                    service,
                    e.toString());
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
            if (revoked.isEmpty()) {
                return;
            }
            try {
                if (policy.kind() != CommitPolicy.Kind.ON_REQUEST) {
                    commitEverythingCompleted();
                }
            } finally {
                completed.keySet().removeAll(revoked);
                ledger.release(revoked);
                processor.released(revoked);
                assigned = consumer.assignment().size() - revoked.size();
            }
            log.info("{} gave up {}", service, revoked);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> added) {
            if (paused) {
                consumer.pause(added); // newly assigned partitions wait too
            }
            assigned = consumer.assignment().size();
            if (!added.isEmpty()) {
                log.info("{} assigned {}", service, added);
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> lost) {
            if (transactions != null) {
                // the open transaction holds outputs of the lost partitions, which their new owner redoes
                var kept = new java.util.HashSet<>(consumer.assignment());
                kept.removeAll(lost);
                abortAndRewind(kept);
            }
            completed.keySet().removeAll(lost); // no longer ours to commit; the new owner re-reads them
            ledger.release(lost);
            processor.released(lost);
            assigned = consumer.assignment().size();
            log.warn("{} lost {}", service, lost);
        }
    }
}
