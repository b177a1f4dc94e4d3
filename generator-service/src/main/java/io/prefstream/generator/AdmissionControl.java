package io.prefstream.generator;

import io.prefstream.platform.config.LoopMode;
import java.util.Objects;

/**
 * Admission control: how many more prompts the generator may sample right now. Pacing instead of
 * discarding: a closed gate pauses the prompts consumer, nothing is dropped.
 *
 * <p>Terms. {@code B} = {@code generator.budget-per-version} (0 = unlimited). {@code P} = rollouts
 * this instance has produced since the trainer's latest version event: the swap to a newly
 * published version, or the rejection of a newly published but unusable checkpoint (the trainer
 * has moved on either way, so the count restarts). One budget B is one trainer iteration's worth
 * of data, so the rollout with index {@code i} (0-based) after version v was published feeds
 * trainer iteration {@code v + ⌊i / B⌋} at the earliest and is then {@code ⌊i / B⌋} versions
 * stale. The generator is <b>ahead</b> by {@code a = ⌊P / B⌋} versions: that many full budgets
 * were produced with the current version without the trainer publishing a newer one.
 *
 * <ul>
 *   <li>No policy loaded: closed, {@link Code#NO_POLICY} ("no policy yet").</li>
 *   <li>{@link LoopMode#ITERATIVE}: open while {@code P < B} with quota {@code B − P}; at
 *       {@code P = B} closed ({@link Code#BUDGET_SPENT}) until the next version event.</li>
 *   <li>{@link LoopMode#STREAMING}: open while {@code a ≤ S} ({@code S} =
 *       {@code generator.max-staleness}), i.e. {@code P < (S + 1)·B}, with quota
 *       {@code (S + 1)·B − P}; closed ({@link Code#AHEAD_OF_TRAINER}) beyond. With {@code B = 0}
 *       there is no version bound. Also closed ({@link Code#TRAINER_BACKLOG}) while the trainer
 *       backlog {@code L} (records its input group has yet to read) exceeds
 *       {@code generator.max-trainer-lag} (0 = no bound). With {@code S = 0} streaming behaves
 *       like iterative plus the backlog bound.</li>
 *   <li>{@link LoopMode#STREAMING} with {@code boundUntrained} and {@code B > 0}, once the trainer
 *       reports: additionally closed ({@link Code#UNTRAINED_BACKLOG}) while {@code U ≥ (S + 1)·B},
 *       where {@code U} = this generator's rollouts the trainer has not accounted for yet (produced
 *       minus those the batcher put into training batches, routed stale or dead-lettered, as reported
 *       on the trainer's latest policy update); the quota is capped at {@code (S + 1)·B − U}.</li>
 * </ul>
 * Quotas cap the micro-batch, so a budget is never overshot.
 *
 * <p>Why U. P restarts at every version event, so the per-version rule alone lets {@code (S + 1)·B}
 * rollouts through per version however little of that the trainer consumes (one version's worth,
 * about B / 1.25 with the launcher's derived budget): under a burst the difference piles up in the
 * batcher's buffer, where the trainer-backlog bound cannot see it (the batcher reads its input at
 * once), and goes stale. U counts that work wherever it is (in labeling, in the batcher's buffer,
 * in batches not yet trained), so the rollouts of one generator in the system never exceed
 * {@code (S + 1)·B}: a new rollout waits behind at most that many, about {@code 1.25·(S + 1)}
 * versions' worth of the trainer's consumption, less what the batcher's look-ahead
 * ({@code batcher.max-ahead} batches) has already taken out of staleness' reach.
 *
 * @param mode           pacing mode
 * @param budget         B, rollouts per version, 0 = unlimited
 * @param maxStaleness   S
 * @param maxTrainerLag  backlog bound, 0 = none
 * @param boundUntrained whether the untrained-backlog bound applies (streaming only)
 */
public record AdmissionControl(
        LoopMode mode, long budget, int maxStaleness, long maxTrainerLag, boolean boundUntrained) {

    /** Why the gate is open or closed; the metric tag and log key of a state. */
    public enum Code {
        OPEN,
        NO_POLICY,
        BUDGET_SPENT,
        AHEAD_OF_TRAINER,
        TRAINER_BACKLOG,
        UNTRAINED_BACKLOG
    }

    /**
     * The gate's answer.
     *
     * @param code   why
     * @param quota  prompts that may be sampled now ({@link Long#MAX_VALUE} = unlimited); 0 when closed
     * @param reason one line for logs and status
     */
    public record Admission(Code code, long quota, String reason) {
        public Admission {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(reason, "reason");
            if ((code == Code.OPEN) != (quota > 0)) {
                throw new IllegalArgumentException("an open admission needs a positive quota and a closed one 0, "
                        + "found " + code + " with quota " + quota);
            }
        }

        public boolean open() {
            return code == Code.OPEN;
        }
    }

    public AdmissionControl {
        Objects.requireNonNull(mode, "mode");
        if (budget < 0 || maxStaleness < 0 || maxTrainerLag < 0) {
            throw new IllegalArgumentException("budget, max staleness and max trainer lag must be >= 0, found " + budget
                    + ", " + maxStaleness + ", " + maxTrainerLag);
        }
        if (mode == LoopMode.ITERATIVE && budget == 0) {
            throw new IllegalArgumentException("iterative mode needs a positive budget per version, found 0");
        }
    }

    /** With the untrained-backlog bound. */
    public AdmissionControl(LoopMode mode, long budget, int maxStaleness, long maxTrainerLag) {
        this(mode, budget, maxStaleness, maxTrainerLag, true);
    }

    public static AdmissionControl of(GeneratorConfig config) {
        return new AdmissionControl(
                config.mode(),
                config.budgetPerVersion(),
                config.maxStaleness(),
                config.maxTrainerLag(),
                config.boundUntrained());
    }

    /** {@code (S + 1)·B}, saturating; the bound of both P (per version) and U. */
    public long limit() {
        return budget > Long.MAX_VALUE / (maxStaleness + 1L) ? Long.MAX_VALUE : (maxStaleness + 1L) * budget;
    }

    /** {@code a = ⌊P / B⌋}, 0 when the budget is unlimited. */
    public long ahead(long produced) {
        return budget == 0 ? 0 : produced / budget;
    }

    /** {@link #admit(long, long, long, long)} without a report of the trainer's accounting. */
    public Admission admit(long version, long produced, long trainerBacklog) {
        return admit(version, produced, trainerBacklog, -1);
    }

    /**
     * @param version        version being served, or -1 when none is loaded
     * @param produced       P, rollouts produced since the last version event
     * @param trainerBacklog L, the trainer's backlog in records (0 when unknown)
     * @param untrained      U, this generator's rollouts the trainer has not accounted for; negative
     *                       when unknown (no policy update has reported accounting yet)
     */
    public Admission admit(long version, long produced, long trainerBacklog, long untrained) {
        if (version < 0) {
            return new Admission(Code.NO_POLICY, 0, "no policy yet");
        }
        if (mode == LoopMode.ITERATIVE) {
            if (produced >= budget) {
                return new Admission(
                        Code.BUDGET_SPENT,
                        0,
                        "budget spent: " + produced + " rollouts with version " + version + " (budget " + budget
                                + "); waiting for version " + (version + 1));
            }
            return new Admission(Code.OPEN, budget - produced, "sampling with version " + version);
        }
        if (maxTrainerLag > 0 && trainerBacklog > maxTrainerLag) {
            return new Admission(
                    Code.TRAINER_BACKLOG,
                    0,
                    "trainer backlog " + trainerBacklog + " records > max-trainer-lag " + maxTrainerLag);
        }
        if (budget == 0) {
            return new Admission(Code.OPEN, Long.MAX_VALUE, "sampling with version " + version);
        }
        long limit = limit();
        if (boundUntrained && untrained >= limit) {
            return new Admission(
                    Code.UNTRAINED_BACKLOG,
                    0,
                    "untrained backlog: " + untrained + " rollouts not yet trained or discarded >= (max-staleness + 1)"
                            + " x budget = " + limit + "; waiting for the trainer to consume them");
        }
        if (produced >= limit) {
            return new Admission(
                    Code.AHEAD_OF_TRAINER,
                    0,
                    "ahead of trainer: " + produced + " rollouts with version "
                            + version + " = " + ahead(produced) + " budgets of " + budget + " > max-staleness "
                            + maxStaleness
                            + "; waiting for version " + (version + 1));
        }
        long quota = limit - produced;
        if (boundUntrained && untrained >= 0) {
            quota = Math.min(quota, limit - untrained);
        }
        return new Admission(Code.OPEN, quota, "sampling with version " + version);
    }
}
