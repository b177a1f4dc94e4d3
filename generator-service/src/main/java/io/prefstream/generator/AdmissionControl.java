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
 * </ul>
 * Quotas cap the micro-batch, so a budget is never overshot.
 *
 * @param mode           pacing mode
 * @param budget         B, rollouts per version, 0 = unlimited
 * @param maxStaleness   S
 * @param maxTrainerLag  backlog bound, 0 = none
 */
public record AdmissionControl(LoopMode mode, long budget, int maxStaleness, long maxTrainerLag) {

    /** Why the gate is open or closed; the metric tag and log key of a state. */
    public enum Code {
        OPEN,
        NO_POLICY,
        BUDGET_SPENT,
        AHEAD_OF_TRAINER,
        TRAINER_BACKLOG
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

    public static AdmissionControl of(GeneratorConfig config) {
        return new AdmissionControl(
                config.mode(), config.budgetPerVersion(), config.maxStaleness(), config.maxTrainerLag());
    }

    /** {@code a = ⌊P / B⌋}, 0 when the budget is unlimited. */
    public long ahead(long produced) {
        return budget == 0 ? 0 : produced / budget;
    }

    /**
     * @param version        version being served, or -1 when none is loaded
     * @param produced       P, rollouts produced since the last version event
     * @param trainerBacklog L, the trainer's backlog in records (0 when unknown)
     */
    public Admission admit(long version, long produced, long trainerBacklog) {
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
        long limit = budget > Long.MAX_VALUE / (maxStaleness + 1L) ? Long.MAX_VALUE : (maxStaleness + 1L) * budget;
        if (produced >= limit) {
            return new Admission(
                    Code.AHEAD_OF_TRAINER,
                    0,
                    "ahead of trainer: " + produced + " rollouts with version "
                            + version + " = " + ahead(produced) + " budgets of " + budget + " > max-staleness "
                            + maxStaleness
                            + "; waiting for version " + (version + 1));
        }
        return new Admission(Code.OPEN, limit - produced, "sampling with version " + version);
    }
}
