package io.prefstream.platform.topics;

import io.prefstream.platform.config.CommonConfig;
import io.prefstream.schemas.topics.CleanupPolicy;
import io.prefstream.schemas.topics.TopicSpec;
import io.prefstream.schemas.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates catalogue topics that do not exist and checks those that do. Idempotent: a second run
 * creates nothing. An existing topic with another cleanup policy, or another partition count
 * where the catalogue fixes one, fails with {@link TopicMismatchException}; existing topics are
 * never altered.
 */
public final class TopicProvisioner {

    private static final Logger log = LoggerFactory.getLogger(TopicProvisioner.class);
    private static final Duration LEADER_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration LEADER_POLL = Duration.ofMillis(20);

    private final Admin admin;
    private final int defaultPartitions;
    private final short replicationFactor;
    private final long retentionMs;

    /**
     * @param admin             admin client, owned by the caller
     * @param defaultPartitions partitions for topics that do not fix their own count
     * @param replicationFactor replication factor of created topics
     * @param retentionMs       {@code retention.ms} of created delete-policy topics, -1 = forever
     */
    public TopicProvisioner(Admin admin, int defaultPartitions, short replicationFactor, long retentionMs) {
        this.admin = Objects.requireNonNull(admin, "admin");
        if (defaultPartitions < 1 || replicationFactor < 1 || (retentionMs != -1 && retentionMs <= 0)) {
            throw new IllegalArgumentException("Expected partitions >= 1, replication factor >= 1 and retention -1 or "
                    + "> 0; found " + defaultPartitions + ", " + replicationFactor + ", " + retentionMs);
        }
        this.defaultPartitions = defaultPartitions;
        this.replicationFactor = replicationFactor;
        this.retentionMs = retentionMs;
    }

    /** A provisioner using the {@code topics.*} settings. */
    public static TopicProvisioner from(Admin admin, CommonConfig config) {
        return new TopicProvisioner(
                admin, config.topicPartitions(), config.topicReplicationFactor(), config.topicRetentionMs());
    }

    /** What a run did. */
    public record Result(List<String> created, List<String> existing) {
        public Result {
            created = List.copyOf(created);
            existing = List.copyOf(existing);
        }
    }

    /** Ensures every topic of the catalogue exists as declared. */
    public Result ensureAll() {
        return ensure(Topics.all());
    }

    /** Ensures {@code topics} exist as declared. */
    public Result ensure(TopicSpec... topics) {
        return ensure(Arrays.asList(topics));
    }

    /**
     * Ensures {@code topics} exist as declared.
     *
     * @throws TopicMismatchException when an existing topic contradicts its declaration
     * @throws KafkaException         when the cluster cannot be reached or refuses a creation
     */
    public Result ensure(Collection<? extends TopicSpec> topics) {
        Set<String> present = await(admin.listTopics().names(), "list topics");
        var created = new ArrayList<String>();
        var existing = new ArrayList<TopicSpec>();
        var toCreate = new ArrayList<TopicSpec>();
        for (TopicSpec t : topics) {
            (present.contains(t.name()) ? existing : toCreate).add(t);
        }
        if (!toCreate.isEmpty()) {
            var results = admin.createTopics(
                            toCreate.stream().map(this::newTopic).toList())
                    .values();
            for (TopicSpec t : toCreate) {
                try {
                    results.get(t.name()).get();
                    created.add(t.name());
                    log.info(
                            "Created topic {} ({} partitions, cleanup.policy={})",
                            t.name(),
                            t.partitions(defaultPartitions),
                            t.cleanupPolicy().configValue());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new KafkaException(
                                "Cannot create topic " + t.name() + ": "
                                        + e.getCause().getMessage(),
                                e.getCause());
                    }
                    existing.add(t); // created concurrently by another process: verify it like the rest
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new KafkaException("Interrupted while creating topic " + t.name(), e);
                }
            }
        }
        awaitLeaders(created);
        verify(existing);
        return new Result(created, existing.stream().map(TopicSpec::name).toList());
    }

    private NewTopic newTopic(TopicSpec t) {
        var configs = new HashMap<>(t.configs());
        configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, t.cleanupPolicy().configValue());
        if (t.cleanupPolicy() == CleanupPolicy.DELETE) {
            configs.putIfAbsent(TopicConfig.RETENTION_MS_CONFIG, Long.toString(retentionMs));
        }
        return new NewTopic(t.name(), t.partitions(defaultPartitions), replicationFactor).configs(configs);
    }

    /**
     * Waits until every partition of the new topics has a leader in the cluster's metadata. A
     * producer that writes to a topic the broker does not know yet gets NOT_LEADER_OR_FOLLOWER and
     * retries; with an idempotent producer that retry could meet an OUT_OF_ORDER_SEQUENCE error and
     * stall until its delivery timeout (seen on the embedded KRaft broker: 2 minutes lost).
     */
    private void awaitLeaders(List<String> topics) {
        if (topics.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + LEADER_TIMEOUT.toNanos();
        while (true) {
            List<String> leaderless;
            try {
                leaderless = admin.describeTopics(topics).allTopicNames().get().values().stream()
                        .filter(d -> d.partitions().stream()
                                .anyMatch(p -> p.leader() == null || p.leader().isEmpty()))
                        .map(TopicDescription::name)
                        .toList();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw new KafkaException(
                            "Cannot describe new topics " + topics + ": "
                                    + e.getCause().getMessage(),
                            e.getCause());
                }
                leaderless = topics; // not in the metadata of the broker we asked yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaException("Interrupted while waiting for leaders of " + topics, e);
            }
            if (leaderless.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new KafkaException("Topics " + leaderless + " have partitions without a leader "
                        + LEADER_TIMEOUT.toSeconds() + " s after their creation; is every broker up?");
            }
            try {
                Thread.sleep(LEADER_POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaException("Interrupted while waiting for leaders of " + topics, e);
            }
        }
    }

    private void verify(List<TopicSpec> topics) {
        if (topics.isEmpty()) {
            return;
        }
        List<String> names = topics.stream().map(TopicSpec::name).toList();
        Map<String, TopicDescription> descriptions =
                await(admin.describeTopics(names).allTopicNames(), "describe topics " + names);
        Map<ConfigResource, Config> configs = await(
                admin.describeConfigs(names.stream()
                                .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n))
                                .toList())
                        .all(),
                "describe configs " + names);
        var problems = new ArrayList<String>();
        for (TopicSpec t : topics) {
            ConfigEntry policy = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, t.name()))
                    .get(TopicConfig.CLEANUP_POLICY_CONFIG);
            Set<String> found = policy == null
                    ? Set.of()
                    : Arrays.stream(policy.value().split(","))
                            .map(String::trim)
                            .collect(Collectors.toCollection(TreeSet::new));
            if (!found.equals(Set.of(t.cleanupPolicy().configValue()))) {
                problems.add("topic " + t.name() + " has cleanup.policy=" + String.join(",", found) + ", expected "
                        + t.cleanupPolicy().configValue());
            }
            int partitions = descriptions.get(t.name()).partitions().size();
            if (t.partitions() != TopicSpec.CONFIGURED_PARTITIONS && partitions != t.partitions()) {
                problems.add(
                        "topic " + t.name() + " has " + partitions + " partitions, expected exactly " + t.partitions());
            } else if (partitions != t.partitions(defaultPartitions)) {
                log.info(
                        "Topic {} exists with {} partitions (topics.partitions={}); keeping it",
                        t.name(),
                        partitions,
                        defaultPartitions);
            }
        }
        if (!problems.isEmpty()) {
            throw new TopicMismatchException(problems);
        }
        log.debug("Verified existing topics {}", names);
    }

    private static <T> T await(org.apache.kafka.common.KafkaFuture<T> future, String what) {
        try {
            return future.get();
        } catch (ExecutionException e) {
            throw new KafkaException("Cannot " + what + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaException("Interrupted while trying to " + what, e);
        }
    }
}
