package io.prefstream.platform.lag;

import java.util.OptionalLong;

/**
 * One row of {@code kafka-consumer-groups --describe}: how far a group is behind on one partition.
 *
 * @param group         consumer group id
 * @param topic         topic
 * @param partition     partition
 * @param currentOffset committed offset, empty when the group has committed nothing there
 * @param logEndOffset  offset the next produced record will get
 * @param lag           {@code logEndOffset - currentOffset}, empty when nothing was committed
 * @param consumerId    member currently assigned the partition, {@code "-"} when none
 * @param host          that member's host, {@code "-"} when none
 * @param clientId      that member's client id, {@code "-"} when none
 */
public record PartitionLag(
        String group,
        String topic,
        int partition,
        OptionalLong currentOffset,
        long logEndOffset,
        OptionalLong lag,
        String consumerId,
        String host,
        String clientId) {}
