package io.prefstream.trainer.batcher;

import io.prefstream.platform.config.CommonConfig;
import io.prefstream.platform.config.ConfigException;
import io.prefstream.trainer.TrainerSettings;
import java.util.Objects;

/**
 * The validated settings of the batcher topology.
 *
 * <p>Mix rule: every batch holds exactly {@link #onlineItems()} = round(size·f) online rollouts and
 * {@link #offlineItems()} = size − that offline pairs. A fraction strictly between 0 and 1 must give
 * at least one item of each kind, so the configured mix is what the trainer sees.
 *
 * @param common         shared settings (Kafka, registry, state directory)
 * @param applicationId  Kafka Streams application id
 * @param policyName     policy whose updates set the latest version and the trainer's progress
 * @param batchSize      items per batch
 * @param onlineFraction fraction f of online items in [0, 1]
 * @param onlineSource   PREFERENCES or ROLLOUTS (never AUTO: the trainer resolves it)
 * @param maxStaleness   S: online records with {@code latest − policy_version > S} are routed to the stale topic
 * @param maxAhead       batches that may be emitted beyond the last one the trainer reported consumed
 * @param seed           seed of the offline sampling
 * @param roundSteps     iterative mode: batches per round (the trainer's steps per iteration); a round
 *                       trains only on samples of the newest policy version, and the first batch of a
 *                       round waits for a version newer than the previous round's. 0 = streaming
 */
public record BatcherConfig(
        CommonConfig common,
        String applicationId,
        String policyName,
        int batchSize,
        double onlineFraction,
        OnlineSource onlineSource,
        long maxStaleness,
        int maxAhead,
        long seed,
        int roundSteps) {

    public BatcherConfig {
        Objects.requireNonNull(common, "common");
        Objects.requireNonNull(applicationId, "applicationId");
        Objects.requireNonNull(policyName, "policyName");
        Objects.requireNonNull(onlineSource, "onlineSource");
        if (batchSize < 1) {
            throw ConfigException.invalid(TrainerSettings.BATCH_SIZE, batchSize, "at least 1");
        }
        if (!(onlineFraction >= 0 && onlineFraction <= 1)) {
            throw ConfigException.invalid(TrainerSettings.ONLINE_FRACTION, onlineFraction, "a number in [0, 1]");
        }
        if (onlineSource == OnlineSource.AUTO) {
            throw ConfigException.invalid(
                    TrainerSettings.ONLINE_SOURCE,
                    onlineSource,
                    "preferences or rollouts (auto is resolved from the objective before the batcher is built)");
        }
        long online = Math.round(batchSize * onlineFraction);
        if (onlineFraction > 0 && onlineFraction < 1 && (online == 0 || online == batchSize)) {
            throw ConfigException.invalid(
                    TrainerSettings.ONLINE_FRACTION,
                    onlineFraction,
                    "a fraction that leaves at least one online and one offline item in a batch of "
                            + batchSize + " (round(" + batchSize + "·" + onlineFraction + ") = " + online
                            + "); use 0 or 1, or change batcher.batch-size");
        }
        if (maxStaleness < 0) {
            throw ConfigException.invalid(TrainerSettings.MAX_STALENESS, maxStaleness, "at least 0");
        }
        if (roundSteps < 0) {
            throw ConfigException.invalid(TrainerSettings.STEPS_PER_ITERATION, roundSteps, "at least 0");
        }
        if (maxAhead < 1) {
            throw ConfigException.invalid(TrainerSettings.MAX_AHEAD, maxAhead, "at least 1");
        }
    }

    /** The staleness bound that applies: 0 within iterative rounds, else {@link #maxStaleness()}. */
    public long effectiveMaxStaleness() {
        return roundSteps > 0 ? 0 : maxStaleness;
    }

    /** Online rollouts per batch: round(size·f). */
    public int onlineItems() {
        return (int) Math.round(batchSize * onlineFraction);
    }

    /** Offline pairs per batch: size − online items. */
    public int offlineItems() {
        return batchSize - onlineItems();
    }
}
