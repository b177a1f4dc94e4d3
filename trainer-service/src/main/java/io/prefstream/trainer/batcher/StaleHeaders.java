package io.prefstream.trainer.batcher;

/**
 * Headers the batcher adds to a record it routes to {@code prefstream.stale}, next to the record's
 * original headers. The key and value are the original bytes. Values are UTF-8 decimal text.
 */
public final class StaleHeaders {

    private StaleHeaders() {}

    /** Topic the record was read from. */
    public static final String SOURCE_TOPIC = "stale.source.topic";
    /** Its partition. */
    public static final String SOURCE_PARTITION = "stale.source.partition";
    /** Its offset. */
    public static final String SOURCE_OFFSET = "stale.source.offset";
    /** The policy version that produced the rollout. */
    public static final String POLICY_VERSION = "stale.policy.version";
    /** The latest published policy version when the record was found stale. */
    public static final String LATEST_VERSION = "stale.latest.version";
    /** The bound S ({@code batcher.max-staleness}) it exceeded. */
    public static final String MAX_STALENESS = "stale.max.staleness";
    /** Where it was found stale: {@code arrival} or {@code buffer} (it aged while waiting for a batch). */
    public static final String DETECTED_AT = "stale.detected.at";
}
