package io.prefstream.schemas.topics;

import java.util.Locale;

/** Kafka's {@code cleanup.policy}: keep a time-bounded log, or the latest value per key. */
public enum CleanupPolicy {
    DELETE,
    COMPACT;

    /** The value of the {@code cleanup.policy} topic config. */
    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
