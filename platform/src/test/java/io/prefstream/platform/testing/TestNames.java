package io.prefstream.platform.testing;

import java.util.concurrent.atomic.AtomicInteger;

/** Unique topic and group names, so tests sharing one broker never see each other's records. */
public final class TestNames {

    private static final AtomicInteger SEQ = new AtomicInteger();

    private TestNames() {}

    /** {@code prefix-<n>-<random>}: unique within the JVM and across broker restarts. */
    public static String unique(String prefix) {
        return prefix + "-" + SEQ.incrementAndGet() + "-" + Long.toHexString(System.nanoTime() & 0xffffffL);
    }
}
