package io.prefstream.trainer.loop;

import io.prefstream.trainer.batcher.BatcherConfig;
import io.prefstream.trainer.batcher.OnlineSource;
import io.prefstream.trainer.objective.DataKind;
import io.prefstream.trainer.objective.PreferenceObjective;
import java.util.EnumSet;
import java.util.Set;

/**
 * How the records of a training batch become an objective's inputs, decided once from what the
 * objective accepts: offline pairs stay pairs; a labeled rollout becomes online pairs when the
 * objective takes pairs, else a labeled group (EXO-rw, DPO-rw); an unlabeled rollout becomes an
 * unlabeled group (HyPO).
 *
 * @param objective  the objective being trained
 * @param labeledAs  {@link DataKind#ONLINE_PAIRS} or {@link DataKind#LABELED_GROUPS}
 */
public record BatchRouting(PreferenceObjective objective, DataKind labeledAs) {

    public static BatchRouting of(PreferenceObjective objective) {
        Set<DataKind> accepted = objective.requirements().accepted();
        DataKind labeledAs = !accepted.contains(DataKind.ONLINE_PAIRS) && accepted.contains(DataKind.LABELED_GROUPS)
                ? DataKind.LABELED_GROUPS
                : DataKind.ONLINE_PAIRS;
        return new BatchRouting(objective, labeledAs);
    }

    /** Where online data should come from: rollouts for objectives that take only unlabeled groups online. */
    public OnlineSource preferredSource() {
        Set<DataKind> accepted = objective.requirements().accepted();
        boolean usesLabels = accepted.contains(DataKind.ONLINE_PAIRS) || accepted.contains(DataKind.LABELED_GROUPS);
        return accepted.contains(DataKind.UNLABELED_GROUPS) && !usesLabels
                ? OnlineSource.ROLLOUTS
                : OnlineSource.PREFERENCES;
    }

    /** The kinds of input every batch of {@code batcher} carries. */
    public Set<DataKind> producible(BatcherConfig batcher) {
        var kinds = EnumSet.noneOf(DataKind.class);
        if (batcher.offlineItems() > 0) {
            kinds.add(DataKind.OFFLINE_PAIRS);
        }
        if (batcher.onlineItems() > 0) {
            kinds.add(batcher.onlineSource() == OnlineSource.ROLLOUTS ? DataKind.UNLABELED_GROUPS : labeledAs);
        }
        return kinds;
    }

    /**
     * Checks that the objective can train on every batch {@code batcher} emits.
     *
     * @throws IllegalArgumentException naming what the objective needs and what the batches hold
     */
    public void requireProducible(BatcherConfig batcher) {
        objective.requirements().check(objective.name(), producible(batcher));
    }
}
