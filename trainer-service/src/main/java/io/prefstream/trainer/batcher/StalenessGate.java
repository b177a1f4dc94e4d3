package io.prefstream.trainer.batcher;

/**
 * The hard staleness bound on online data: a rollout sampled by policy version v is stale iff
 * {@code latest − v > S}, where latest is the newest version published on policy-updates and S is
 * {@code batcher.max-staleness}. Rollouts from a version the batcher has not seen yet are fresh.
 *
 * @param maxStaleness S, at least 0
 */
record StalenessGate(long maxStaleness) {

    StalenessGate {
        if (maxStaleness < 0) {
            throw new IllegalArgumentException("max staleness must be >= 0, found " + maxStaleness);
        }
    }

    boolean isStale(long policyVersion, long latestVersion) {
        return latestVersion - policyVersion > maxStaleness;
    }
}
