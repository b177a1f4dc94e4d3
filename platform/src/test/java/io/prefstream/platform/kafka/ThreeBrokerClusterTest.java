package io.prefstream.platform.kafka;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.prefstream.platform.config.CommonConfig;
import io.prefstream.platform.config.CommonSettings;
import io.prefstream.platform.config.ConfigLoader;
import io.prefstream.platform.consumer.ConsumerLoop;
import io.prefstream.platform.deadletter.DeadLetterPublisher;
import io.prefstream.platform.lag.ConsumerLagReader;
import io.prefstream.platform.topics.TopicProvisioner;
import io.prefstream.schemas.registry.SchemaRegistries;
import io.prefstream.schemas.topics.TopicSpec;
import io.prefstream.schemas.topics.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production shape of Kafka: three brokers (each a KRaft controller too, in processes of their
 * own), Prefstream's topics at replication factor 3 with {@code min.insync.replicas=2}, idempotent
 * {@code acks=all} producers, {@code read_committed} consumers and {@code exactly_once_v2} Streams.
 * A miniature of the dataflow runs over the catalogue's topics: a producer writes prompts and policy
 * updates; a {@link ConsumerLoop} in a group turns prompts into rollouts (at-least-once, like the
 * generator); a Streams app turns rollouts into labels, keeping the first rollout of each id, and
 * labels into training batches through a repartition topic (exactly-once, like the label join and the
 * batcher); a second loop follows the compacted policy-update topic from its beginning (like a
 * generator at start-up).
 *
 * <p>Mid-run the broker leading the busiest partitions is killed with {@code SIGKILL} while records
 * are in flight; the pipeline keeps going on two brokers; then the broker comes back on the same
 * ports and log dir and catches up. Then the same with the broker coordinating the consumer group.
 * No client is restarted or told anything. At the end, counted
 * exactly: every prompt once; every prompt's rollout at least once, each extra one a re-read that
 * the generator's processing count accounts for (none from producer retries); every label once; every
 * prompt in exactly one training batch; every policy update once, in order, in the topic and at the
 * follower; no dead letters; the group's and the Streams app's lag 0, the app RUNNING.
 */
@Timeout(value = 170)
class ThreeBrokerClusterTest {

    private static final Logger log = LoggerFactory.getLogger(ThreeBrokerClusterTest.class);

    private static final int PROMPTS = 3000;
    private static final int UPDATE_EVERY = 100;
    private static final int POLICY_UPDATES = PROMPTS / UPDATE_EVERY;
    private static final int BATCH = 10;
    private static final String GENERATOR_GROUP = "cluster-test-generator";
    private static final String STREAMS_APP = "cluster-test-labeler";
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final List<TopicSpec> DATAFLOW =
            List.of(Topics.PROMPTS, Topics.ROLLOUTS, Topics.LABELS, Topics.TRAINING_BATCHES, Topics.POLICY_UPDATES);

    @TempDir
    Path dataDir;

    private final Map<String, AtomicInteger> generated = new ConcurrentHashMap<>();
    private final List<String> followed = new CopyOnWriteArrayList<>();
    private final List<Throwable> streamsFailures = new CopyOnWriteArrayList<>();
    private final List<String> streamsStates = new CopyOnWriteArrayList<>();
    private final AtomicInteger allowed = new AtomicInteger();
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger acked = new AtomicInteger();
    private volatile Throwable producerFailure;
    private final List<Integer> killed = new ArrayList<>();
    private Tail labels;
    private Tail batches;

    @Test
    void killingTheBusiestLeaderMidRunLosesAndDuplicatesNothing() throws Exception {
        long begin = System.nanoTime();
        try (var cluster = EmbeddedKafkaCluster.start(3)) {
            // The settings a 3-broker deployment gives every service (compose/docker-compose.3-brokers.yml).
            CommonConfig config = CommonConfig.from(ConfigLoader.forSettings(CommonSettings.ALL)
                    .withEnv(Map.of(
                            "PREFSTREAM_BOOTSTRAP_SERVERS",
                            cluster.bootstrapServers(),
                            "PREFSTREAM_SERVICE_ID",
                            "cluster-test",
                            "PREFSTREAM_DATA_DIR",
                            dataDir.toString(),
                            "PREFSTREAM_TOPICS_REPLICATION_FACTOR",
                            "3"))
                    .load());
            var clients = new KafkaClients(config);
            try (Admin admin = clients.admin()) {
                TopicProvisioner.from(admin, config).ensureAll();
                assertReplicatedThreeWays(admin);
                run(cluster, clients, admin);
            }
        }
        log.info("Three-broker test took {} s", (System.nanoTime() - begin) / 1_000_000_000);
    }

    private void run(EmbeddedKafkaCluster cluster, KafkaClients clients, Admin admin) throws Exception {
        var registry = new SimpleMeterRegistry();
        var prompts =
                clients.topicProducer(SchemaRegistries.forUrl(clients.config().schemaRegistryUrl(), Map.of()));
        var trainer =
                clients.topicProducer(SchemaRegistries.forUrl(clients.config().schemaRegistryUrl(), Map.of()));
        var generatorOut =
                clients.topicProducer(SchemaRegistries.forUrl(clients.config().schemaRegistryUrl(), Map.of()));
        var generator = ConsumerLoop.builder()
                .group(clients, GENERATOR_GROUP)
                .topics(Topics.PROMPTS.name())
                .service("generator")
                .deadLetters(new DeadLetterPublisher(generatorOut, registry))
                .registry(registry)
                .processor((record, loop) -> {
                    generated
                            .computeIfAbsent(new String(record.key(), UTF_8), k -> new AtomicInteger())
                            .incrementAndGet();
                    return generatorOut.send(
                            new ProducerRecord<>(Topics.ROLLOUTS.name(), record.key(), record.value()));
                })
                .start();
        var follower = ConsumerLoop.builder()
                .readFromBeginning(clients, Topics.POLICY_UPDATES.name())
                .service("policy-follower")
                .registry(registry)
                .processor((record, loop) -> {
                    followed.add(new String(record.value(), UTF_8));
                    return CompletableFuture.completedFuture(null);
                })
                .start();
        var streams = startStreams(clients);
        var producerThread = new Thread(() -> produce(prompts, trainer), "cluster-test-producer");
        producerThread.start();
        labels = new Tail(clients, Topics.LABELS.name());
        batches = new Tail(clients, Topics.TRAINING_BATCHES.name());
        try {
            // The pipeline runs on three brokers.
            int step = PROMPTS / 5;
            allowed.set(step);
            await("first labels", () -> labels.poll() >= step / 2, this::progress);

            // Round 1: kill the broker leading the busiest partitions while prompts are being sent.
            killAndRestart(cluster, admin, 2 * step, "busiest leader", () -> busiestLeader(admin));
            // Round 2: kill the consumer group's coordinator (another broker: leadership stays away
            // from a restarted one), so the loop's commits have to find a new one.
            killAndRestart(cluster, admin, 4 * step, "group coordinator", () -> coordinatorOf(admin, GENERATOR_GROUP));

            allowed.set(PROMPTS);
            producerThread.join(WAIT.toMillis());
            assertFalse(producerThread.isAlive(), "producer finished");
            if (producerFailure != null) {
                fail("producer failed", producerFailure);
            }
            await(
                    "every label, batch and policy update",
                    () -> labels.poll() >= PROMPTS
                            && batches.poll() >= PROMPTS / BATCH
                            && followed.size() >= POLICY_UPDATES
                            && generated.size() == PROMPTS,
                    this::progress);
            var lag = new ConsumerLagReader(admin);
            await(
                    "lag 0",
                    () -> lag.totalLag(GENERATOR_GROUP, Topics.PROMPTS.name()) == 0
                            && lag.totalLag(STREAMS_APP, Topics.ROLLOUTS.name()) == 0,
                    this::progress);

            assertEquals(KafkaStreams.State.RUNNING, streams.state(), "Streams states " + streamsStates);
            assertEquals(List.of(), streamsFailures, "Streams thread failures");
            assertTrue(generator.isRunning(), "generator loop running: " + generator.failure());
            assertTrue(follower.isRunning(), "policy follower running: " + follower.failure());
            assertTrue(cluster.nodeIds().stream().allMatch(cluster::isRunning), "all nodes up");
            assertEquals(2, Set.copyOf(killed).size(), "two different brokers killed: " + killed);
            verifyTopics(clients);
            log.info("Streams went through {}", streamsStates);
        } finally {
            labels.close();
            batches.close();
            allowed.set(PROMPTS);
            producerThread.interrupt();
            producerThread.join();
            streams.close(Duration.ofSeconds(30));
            follower.close();
            generator.close();
            generatorOut.close();
            prompts.close();
            trainer.close();
        }
    }

    /**
     * Lets prompts up to {@code upTo} be sent, kills the chosen broker while they are in flight, waits
     * until they are all acknowledged and labels keep coming on the two brokers left, restarts the
     * broker and waits until every partition is fully replicated again.
     */
    private void killAndRestart(
            EmbeddedKafkaCluster cluster, Admin admin, int upTo, String role, Callable<Integer> choice)
            throws Exception {
        int from = allowed.get();
        allowed.set(upTo);
        await("prompts in flight", () -> sent.get() >= from + (upTo - from) / 5, this::progress);
        int victim = choice.call();
        int labelsBefore = labels.poll();
        cluster.kill(victim);
        killed.add(victim);
        assertFalse(cluster.isRunning(victim));
        await(
                "progress on two brokers after killing node " + victim + " (" + role + ")",
                () -> acked.get() >= upTo && labels.poll() >= labelsBefore + (upTo - from) / 2,
                this::progress);
        log.info("Pipeline went on without node {} ({}): {}", victim, role, progress());
        cluster.restart(victim);
        cluster.awaitInSync(WAIT);
    }

    /** Prompts {@code p-0000..}, a policy update after every {@value #UPDATE_EVERY}; paced, gated by {@link #allowed}. */
    private void produce(TopicProducer prompts, TopicProducer trainer) {
        try {
            for (int i = 0; i < PROMPTS; i++) {
                while (i >= allowed.get()) {
                    Thread.sleep(10);
                }
                byte[] id = String.format("p-%04d", i).getBytes(UTF_8);
                prompts.send(new ProducerRecord<>(Topics.PROMPTS.name(), id, id))
                        .whenComplete((m, e) -> {
                            if (e == null) {
                                acked.incrementAndGet();
                            } else {
                                producerFailure = e;
                            }
                        });
                sent.incrementAndGet();
                if ((i + 1) % UPDATE_EVERY == 0) {
                    byte[] version = ("v" + ((i + 1) / UPDATE_EVERY)).getBytes(UTF_8);
                    trainer.send(new ProducerRecord<>(Topics.POLICY_UPDATES.name(), "policy".getBytes(UTF_8), version))
                            .whenComplete((m, e) -> {
                                if (e != null) {
                                    producerFailure = e;
                                }
                            });
                }
                Thread.sleep(1); // spread the sends over the kill
            }
            prompts.flush();
            trainer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            producerFailure = e;
        }
    }

    /** Rollouts -> labels (first rollout of each id) -> training batches of {@value #BATCH} labels, exactly once. */
    private KafkaStreams startStreams(KafkaClients clients) {
        var builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore("seen-rollouts"), Serdes.String(), Serdes.Long()));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore("pending-batch"), Serdes.String(), Serdes.String()));
        var labels = builder.stream(Topics.ROLLOUTS.name(), Consumed.with(Serdes.String(), Serdes.String()))
                .process(FirstOfEachKey::new, "seen-rollouts");
        labels.to(Topics.LABELS.name(), Produced.with(Serdes.String(), Serdes.String()));
        labels.selectKey((k, v) -> "batcher")
                .repartition(Repartitioned.with(Serdes.String(), Serdes.String())
                        .withName("batcher-input")
                        .withNumberOfPartitions(1))
                .process(Batcher::new, "pending-batch")
                .to(Topics.TRAINING_BATCHES.name(), Produced.with(Serdes.String(), Serdes.String()));
        var props = clients.streamsProperties(STREAMS_APP);
        assertEquals("3", props.get(StreamsConfig.REPLICATION_FACTOR_CONFIG), "internal topics replicated");
        var streams = new KafkaStreams(builder.build(), props);
        streams.setUncaughtExceptionHandler(e -> {
            streamsFailures.add(e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        var running = new CompletableFuture<Void>();
        streams.setStateListener((now, before) -> {
            streamsStates.add(now.name());
            if (now == KafkaStreams.State.RUNNING) {
                running.complete(null);
            }
        });
        streams.start();
        running.orTimeout(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)
                .join();
        return streams;
    }

    /** Keeps the first record of each key: the label stage sees every rollout id once whatever was re-read. */
    private static final class FirstOfEachKey implements Processor<String, String, String, String> {
        private ProcessorContext<String, String> context;
        private KeyValueStore<String, Long> seen;

        @Override
        public void init(ProcessorContext<String, String> context) {
            this.context = context;
            this.seen = context.getStateStore("seen-rollouts");
        }

        @Override
        public void process(Record<String, String> record) {
            Long count = seen.get(record.key());
            seen.put(record.key(), count == null ? 1 : count + 1);
            if (count == null) {
                context.forward(record);
            }
        }
    }

    /** Groups labels into batches {@code batch-0, batch-1, ...} of {@value #BATCH} ids each. */
    private static final class Batcher implements Processor<String, String, String, String> {
        private ProcessorContext<String, String> context;
        private KeyValueStore<String, String> pending;

        @Override
        public void init(ProcessorContext<String, String> context) {
            this.context = context;
            this.pending = context.getStateStore("pending-batch");
        }

        @Override
        public void process(Record<String, String> record) {
            String ids = pending.get("ids");
            ids = ids == null ? record.value() : ids + "," + record.value();
            if (ids.split(",").length < BATCH) {
                pending.put("ids", ids);
                return;
            }
            long seq = Long.parseLong(Objects.requireNonNullElse(pending.get("seq"), "0"));
            context.forward(record.withKey("batch-" + seq).withValue(ids));
            pending.put("seq", Long.toString(seq + 1));
            pending.delete("ids");
        }
    }

    // --- checks --------------------------------------------------------------------------------

    private static void assertReplicatedThreeWays(Admin admin) throws Exception {
        var names = Topics.all().stream().map(TopicSpec::name).toList();
        for (TopicDescription d :
                admin.describeTopics(names).allTopicNames().get().values()) {
            d.partitions().forEach(p -> assertEquals(3, p.replicas().size(), d.name() + "-" + p.partition()));
        }
        var configs = admin.describeConfigs(names.stream()
                        .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n))
                        .toList())
                .all()
                .get();
        configs.forEach((resource, config) -> {
            assertEquals(
                    "2", config.get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG).value(), resource.name() + " min ISR");
            assertEquals(
                    "false",
                    config.get(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG)
                            .value(),
                    resource.name() + " unclean election");
        });
    }

    private void verifyTopics(KafkaClients clients) {
        var ids = IntStream.range(0, PROMPTS)
                .mapToObj(i -> String.format("p-%04d", i))
                .toList();

        // Prompts: idempotent producer across a leader kill -> each exactly once.
        var prompts = readAll(clients, Topics.PROMPTS.name());
        assertEquals(PROMPTS, prompts.size(), "prompts");
        assertEquals(Set.copyOf(ids), keys(prompts).keySet(), "every prompt");

        // Rollouts: at-least-once; every record is one processing of the generator (no producer-retry
        // duplicates), every prompt processed at least once.
        var rollouts = keys(readAll(clients, Topics.ROLLOUTS.name()));
        assertEquals(Set.copyOf(ids), rollouts.keySet(), "a rollout of every prompt");
        var processings = new TreeMap<String, Integer>();
        generated.forEach((k, v) -> processings.put(k, v.get()));
        assertEquals(processings, new TreeMap<>(rollouts), "rollouts per prompt = generator processings");
        int reread = rollouts.values().stream().mapToInt(Integer::intValue).sum() - PROMPTS;
        log.info("Rollouts: {} prompts, {} re-read after the fail-over", PROMPTS, reread);

        // Labels: exactly once (Streams exactly_once_v2 + first-of-each-id).
        var labels = readAll(clients, Topics.LABELS.name());
        assertEquals(PROMPTS, labels.size(), "labels");
        assertEquals(Set.copyOf(ids), keys(labels).keySet(), "a label of every prompt");

        // Training batches: exactly once, every prompt in exactly one batch.
        var batches = readAll(clients, Topics.TRAINING_BATCHES.name());
        assertEquals(PROMPTS / BATCH, batches.size(), "training batches");
        assertEquals(
                IntStream.range(0, PROMPTS / BATCH).mapToObj(i -> "batch-" + i).toList(),
                batches.stream().map(ConsumerRecord::key).toList(),
                "batch sequence");
        var batched = batches.stream()
                .flatMap(b -> Arrays.stream(b.value().split(",")))
                .sorted()
                .toList();
        assertEquals(ids, batched, "every prompt in exactly one batch");

        // Policy updates: one partition, idempotent producer -> each once, in order; the follower too.
        var versions =
                IntStream.rangeClosed(1, POLICY_UPDATES).mapToObj(v -> "v" + v).toList();
        assertEquals(
                versions,
                readAll(clients, Topics.POLICY_UPDATES.name()).stream()
                        .map(ConsumerRecord::value)
                        .toList(),
                "policy updates in the topic");
        assertEquals(versions, List.copyOf(followed), "policy updates seen by the follower");

        assertEquals(List.of(), readAll(clients, Topics.DEAD_LETTERS.name()), "dead letters");
    }

    private static Map<String, Integer> keys(List<ConsumerRecord<String, String>> records) {
        var counts = new HashMap<String, Integer>();
        records.forEach(r -> counts.merge(r.key(), 1, Integer::sum));
        return counts;
    }

    /** Every committed record of {@code topic}, partition by partition. */
    private static List<ConsumerRecord<String, String>> readAll(KafkaClients clients, String topic) {
        var out = new ArrayList<ConsumerRecord<String, String>>();
        try (var consumer =
                clients.consumer("cluster-test-reader", new StringDeserializer(), new StringDeserializer())) {
            var partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                if (System.nanoTime() > deadline) {
                    fail("could not read " + topic + " to " + ends + " within " + WAIT.toSeconds() + " s");
                }
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        out.sort((a, b) -> a.partition() != b.partition()
                ? Integer.compare(a.partition(), b.partition())
                : Long.compare(a.offset(), b.offset()));
        return Collections.unmodifiableList(out);
    }

    // --- cluster state ----------------------------------------------------------------------------

    /** The broker leading the partitions of the dataflow topics that hold the most records. */
    private static int busiestLeader(Admin admin) throws Exception {
        var names = DATAFLOW.stream().map(TopicSpec::name).toList();
        var ends = admin.listOffsets(names.stream()
                        .flatMap(n -> IntStream.range(0, partitions(admin, n)).mapToObj(p -> new TopicPartition(n, p)))
                        .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())))
                .all()
                .get();
        var load = new TreeMap<Integer, Long>();
        var led = new TreeMap<Integer, List<String>>();
        for (TopicDescription d :
                admin.describeTopics(names).allTopicNames().get().values()) {
            for (var p : d.partitions()) {
                long records =
                        ends.get(new TopicPartition(d.name(), p.partition())).offset();
                load.merge(p.leader().id(), records, Long::sum);
                led.computeIfAbsent(p.leader().id(), k -> new ArrayList<>())
                        .add(d.name() + "-" + p.partition() + "=" + records);
            }
        }
        int victim = load.entrySet().stream()
                .max(Map.Entry.comparingByValue())
                .orElseThrow()
                .getKey();
        int controller = admin.describeMetadataQuorum().quorumInfo().get().leaderId();
        var coordinator =
                admin.describeConsumerGroups(List.of(GENERATOR_GROUP, STREAMS_APP)).all().get().values().stream()
                        .map(g -> g.groupId() + "@" + g.coordinator().id())
                        .toList();
        log.info(
                "Killing node {}: records per leader {}, it leads {}; active controller {}, group coordinators {}",
                victim,
                load,
                led.get(victim),
                controller,
                coordinator);
        return victim;
    }

    private static int coordinatorOf(Admin admin, String group) throws Exception {
        int coordinator = admin.describeConsumerGroups(List.of(group))
                .all()
                .get()
                .get(group)
                .coordinator()
                .id();
        log.info(
                "Killing node {}: coordinator of {}; active controller {}",
                coordinator,
                group,
                admin.describeMetadataQuorum().quorumInfo().get().leaderId());
        return coordinator;
    }

    private static int partitions(Admin admin, String topic) {
        try {
            return admin.describeTopics(List.of(topic))
                    .allTopicNames()
                    .get()
                    .get(topic)
                    .partitions()
                    .size();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A read_committed reader of every partition of a topic, from the beginning, counting what it saw. */
    private static final class Tail implements AutoCloseable {
        private final KafkaConsumer<String, String> consumer;
        private int seen;

        Tail(KafkaClients clients, String topic) {
            consumer = clients.consumer("cluster-test-tail", new StringDeserializer(), new StringDeserializer());
            var partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        /** Reads what arrived; returns how many records were seen so far. */
        int poll() {
            seen += consumer.poll(Duration.ofMillis(100)).count();
            return seen;
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    private String progress() {
        return "sent " + sent.get() + ", acked " + acked.get() + ", generated " + generated.size() + ", labels "
                + labels.seen + ", batches " + batches.seen
                + ", policy updates followed " + followed.size() + ", Streams " + streamsStates;
    }

    private static void await(String what, BooleanSupplier condition, Supplier<String> state)
            throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("no " + what + " within " + WAIT.toSeconds() + " s: " + state.get());
            }
            Thread.sleep(200);
        }
    }
}
