package io.prefstream.generator;

import java.util.Objects;

/** What the {@link PolicyFollower} found on the policy-updates topic for a newer version. */
sealed interface PolicyEvent {

    /** The version the trainer published. */
    long version();

    /** The checkpoint loaded and verified; the generator swaps to it between micro-batches. */
    record Loaded(ServingPolicy policy) implements PolicyEvent {
        public Loaded {
            Objects.requireNonNull(policy, "policy");
        }

        @Override
        public long version() {
            return policy.version();
        }
    }

    /** The checkpoint could not be used; the generator keeps the version it serves. */
    record Rejected(long version, String uri, String reason) implements PolicyEvent {
        public Rejected {
            Objects.requireNonNull(uri, "uri");
            Objects.requireNonNull(reason, "reason");
        }
    }
}
