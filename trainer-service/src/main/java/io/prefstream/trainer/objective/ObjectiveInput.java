package io.prefstream.trainer.objective;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * One training step's data for a {@link PreferenceObjective}: any subset of offline pairs, online
 * pairs, labeled groups and unlabeled groups. Which ones an objective needs is given by {@link
 * PreferenceObjective#requirements()}; {@link PreferenceObjective#compute} checks it.
 *
 * @param offlinePairs pairs from the offline dataset (μ = π_ref unless behaviour is recorded)
 * @param onlinePairs pairs built from labeled rollouts (behaviour log-probs recorded)
 * @param labeledGroups K completions per prompt with rewards (must carry rewards)
 * @param unlabeledGroups K completions per prompt without labels (HyPO's online KL term)
 */
public record ObjectiveInput(
        Optional<PairTensors> offlinePairs,
        Optional<PairTensors> onlinePairs,
        Optional<GroupTensors> labeledGroups,
        Optional<GroupTensors> unlabeledGroups) {

    public ObjectiveInput {
        if (offlinePairs == null || onlinePairs == null || labeledGroups == null || unlabeledGroups == null) {
            throw new IllegalArgumentException("ObjectiveInput: use Optional.empty() for absent inputs, " + "not null");
        }
        if (labeledGroups.isPresent() && labeledGroups.get().rewards().isEmpty()) {
            throw new IllegalArgumentException("ObjectiveInput.labeledGroups: expected rewards (G, K) on "
                    + "labeled groups but found none; pass reward-less groups as unlabeledGroups");
        }
    }

    /** A builder with every input absent. */
    public static Builder builder() {
        return new Builder();
    }

    /** Only offline pairs. */
    public static ObjectiveInput offline(PairTensors pairs) {
        return builder().offlinePairs(pairs).build();
    }

    /** Only online pairs. */
    public static ObjectiveInput online(PairTensors pairs) {
        return builder().onlinePairs(pairs).build();
    }

    /** Only labeled groups. */
    public static ObjectiveInput labeled(GroupTensors groups) {
        return builder().labeledGroups(groups).build();
    }

    /** The kinds of data present. */
    public Set<DataKind> present() {
        var kinds = EnumSet.noneOf(DataKind.class);
        offlinePairs.ifPresent(p -> kinds.add(DataKind.OFFLINE_PAIRS));
        onlinePairs.ifPresent(p -> kinds.add(DataKind.ONLINE_PAIRS));
        labeledGroups.ifPresent(g -> kinds.add(DataKind.LABELED_GROUPS));
        unlabeledGroups.ifPresent(g -> kinds.add(DataKind.UNLABELED_GROUPS));
        return kinds;
    }

    /** Builds an {@link ObjectiveInput}; unset inputs are absent. */
    public static final class Builder {
        private PairTensors offlinePairs;
        private PairTensors onlinePairs;
        private GroupTensors labeledGroups;
        private GroupTensors unlabeledGroups;

        private Builder() {}

        public Builder offlinePairs(PairTensors pairs) {
            this.offlinePairs = pairs;
            return this;
        }

        public Builder onlinePairs(PairTensors pairs) {
            this.onlinePairs = pairs;
            return this;
        }

        public Builder labeledGroups(GroupTensors groups) {
            this.labeledGroups = groups;
            return this;
        }

        public Builder unlabeledGroups(GroupTensors groups) {
            this.unlabeledGroups = groups;
            return this;
        }

        public ObjectiveInput build() {
            return new ObjectiveInput(
                    Optional.ofNullable(offlinePairs),
                    Optional.ofNullable(onlinePairs),
                    Optional.ofNullable(labeledGroups),
                    Optional.ofNullable(unlabeledGroups));
        }
    }
}
