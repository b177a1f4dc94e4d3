package io.prefstream.platform.lag;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

/**
 * Reads consumer-group lag the way {@code kafka-consumer-groups --describe} does:
 * {@code lag = log-end offset − committed offset} per group, topic and partition, for partitions
 * the group has committed to or is assigned. Also samples log-end offsets for produce rates.
 * The admin client is the caller's.
 */
public final class ConsumerLagReader {

    private static final Comparator<PartitionLag> ORDER = Comparator.comparing(PartitionLag::group)
            .thenComparing(PartitionLag::topic)
            .thenComparingInt(PartitionLag::partition);

    private final Admin admin;

    public ConsumerLagReader(Admin admin) {
        this.admin = Objects.requireNonNull(admin, "admin");
    }

    /** Every consumer group's lag, sorted by group, topic, partition. */
    public List<PartitionLag> describeAll() {
        Collection<GroupListing> groups =
                await(admin.listGroups(ListGroupsOptions.forConsumerGroups()).all(), "list consumer groups");
        return describe(groups.stream().map(GroupListing::groupId).sorted().toList());
    }

    /** The lag of {@code groups}, sorted by group, topic, partition; unknown groups give no rows. */
    public List<PartitionLag> describe(Collection<String> groups) {
        if (groups.isEmpty()) {
            return List.of();
        }
        var descriptions = new HashMap<String, ConsumerGroupDescription>();
        admin.describeConsumerGroups(groups).describedGroups().forEach((group, future) -> {
            try {
                descriptions.put(group, future.get());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                    throw new KafkaException(
                            "Cannot describe consumer group " + group + ": "
                                    + e.getCause().getMessage(),
                            e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaException("Interrupted while describing consumer group " + group, e);
            }
        });
        var rows = new ArrayList<PartitionLag>();
        var committedByGroup = new HashMap<String, Map<TopicPartition, OffsetAndMetadata>>();
        Set<TopicPartition> partitions = new HashSet<>();
        for (String group : groups) {
            Map<TopicPartition, OffsetAndMetadata> committed = await(
                    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata(), "read offsets of " + group);
            var nonNull = new HashMap<TopicPartition, OffsetAndMetadata>();
            committed.forEach((tp, om) -> {
                if (om != null) {
                    nonNull.put(tp, om);
                }
            });
            committedByGroup.put(group, nonNull);
            partitions.addAll(nonNull.keySet());
            ConsumerGroupDescription d = descriptions.get(group);
            if (d != null) {
                d.members().forEach(m -> partitions.addAll(m.assignment().topicPartitions()));
            }
        }
        Map<TopicPartition, Long> ends = logEndOffsets(partitions);
        for (String group : groups) {
            Map<TopicPartition, MemberDescription> owners = new HashMap<>();
            ConsumerGroupDescription d = descriptions.get(group);
            if (d != null) {
                d.members().forEach(m -> m.assignment().topicPartitions().forEach(tp -> owners.put(tp, m)));
            }
            Set<TopicPartition> groupPartitions =
                    new HashSet<>(committedByGroup.get(group).keySet());
            groupPartitions.addAll(owners.keySet());
            for (TopicPartition tp : groupPartitions) {
                OffsetAndMetadata om = committedByGroup.get(group).get(tp);
                long end = ends.getOrDefault(tp, 0L);
                OptionalLong current = om == null ? OptionalLong.empty() : OptionalLong.of(om.offset());
                OptionalLong lag = om == null ? OptionalLong.empty() : OptionalLong.of(Math.max(0, end - om.offset()));
                MemberDescription owner = owners.get(tp);
                rows.add(new PartitionLag(
                        group,
                        tp.topic(),
                        tp.partition(),
                        current,
                        end,
                        lag,
                        owner == null ? "-" : owner.consumerId(),
                        owner == null ? "-" : owner.host(),
                        owner == null ? "-" : owner.clientId()));
            }
        }
        rows.sort(ORDER);
        return rows;
    }

    /**
     * Records {@code group} still has to read from {@code topic}, summed over all partitions; a
     * partition without a committed offset counts from its log-start offset (as with
     * {@code auto.offset.reset=earliest}).
     */
    public long totalLag(String group, String topic) {
        List<TopicPartition> partitions = partitionsOf(topic);
        Map<TopicPartition, OffsetAndMetadata> committed = await(
                admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata(), "read offsets of " + group);
        Map<TopicPartition, Long> ends = logEndOffsets(partitions);
        Map<TopicPartition, Long> starts = offsets(partitions, OffsetSpec.earliest());
        long total = 0;
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata om = committed.get(tp);
            long from = om == null ? starts.get(tp) : om.offset();
            total += Math.max(0, ends.get(tp) - from);
        }
        return total;
    }

    /** Log-end offsets of every partition of {@code topics}, stamped now. */
    public OffsetSample sample(Collection<String> topics) {
        var partitions = topics.stream().flatMap(t -> partitionsOf(t).stream()).toList();
        Map<TopicPartition, Long> ends = logEndOffsets(partitions);
        return new OffsetSample(System.nanoTime(), ends);
    }

    /**
     * Records per second produced to each of {@code topics} over {@code window}: samples, sleeps,
     * samples again. Callers that poll periodically should keep {@link OffsetSample}s instead.
     */
    public Map<String, Double> produceRates(Collection<String> topics, Duration window) throws InterruptedException {
        OffsetSample before = sample(topics);
        Thread.sleep(window.toMillis());
        OffsetSample after = sample(topics);
        return topics.stream().collect(Collectors.toMap(Function.identity(), t -> after.topicRateSince(before, t)));
    }

    private List<TopicPartition> partitionsOf(String topic) {
        var description = await(admin.describeTopics(List.of(topic)).allTopicNames(), "describe topic " + topic)
                .get(topic);
        return description.partitions().stream()
                .map(p -> new TopicPartition(topic, p.partition()))
                .toList();
    }

    private Map<TopicPartition, Long> logEndOffsets(Collection<TopicPartition> partitions) {
        return offsets(partitions, OffsetSpec.latest());
    }

    private Map<TopicPartition, Long> offsets(Collection<TopicPartition> partitions, OffsetSpec spec) {
        if (partitions.isEmpty()) {
            return Map.of();
        }
        Map<TopicPartition, ListOffsetsResultInfo> infos = await(
                admin.listOffsets(partitions.stream().distinct().collect(Collectors.toMap(tp -> tp, tp -> spec)))
                        .all(),
                "list offsets");
        var out = new HashMap<TopicPartition, Long>();
        infos.forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    private static <T> T await(KafkaFuture<T> future, String what) {
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
