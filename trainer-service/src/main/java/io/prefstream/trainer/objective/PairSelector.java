package io.prefstream.trainer.objective;

import java.util.SplittableRandom;

/**
 * Turns one labeled group of K completions into at most one preference pair (y_w, y_l), for online
 * / iterative DPO (Xiong et al. 2024, GSHF; pairing recipe of RLHFlow/Online-RLHF):
 *
 * <ul>
 *   <li>{@code best-vs-worst}: y_w = argmax r, y_l = argmin r (first index on ties within the max or
 *       the min); max r = min r → no pair ({@code REWARD_TIE}).
 *   <li>{@code random}: two distinct indices drawn uniformly, y_w the higher reward; equal rewards →
 *       no pair. The draw is seeded by (seed, groupKey), so a redelivered group yields the same pair.
 *   <li>{@code human}: the judgement's indices; TIE and BOTH_BAD → no pair (counted).
 * </ul>
 *
 * <p>Pure and thread-safe: works on plain arrays, holds no mutable state.
 */
public final class PairSelector {

    private final PairStrategy strategy;
    private final long seed;

    private PairSelector(PairStrategy strategy, long seed) {
        this.strategy = strategy;
        this.seed = seed;
    }

    /** A selector for {@code strategy}; {@code seed} is used by {@link PairStrategy#RANDOM} only. */
    public static PairSelector of(PairStrategy strategy, long seed) {
        if (strategy == null) {
            throw new IllegalArgumentException("PairSelector: expected a pair strategy but found null");
        }
        return new PairSelector(strategy, seed);
    }

    /** A selector configured by {@link ObjectiveParams#pairStrategy()} and {@link ObjectiveParams#seed()}. */
    public static PairSelector of(ObjectiveParams params) {
        return of(params.pairStrategy(), params.seed());
    }

    public PairStrategy strategy() {
        return strategy;
    }

    /**
     * Selects a pair by reward (strategies best-vs-worst and random).
     *
     * @param rewards one finite reward per completion, K >= 2
     * @param groupKey a stable key of the group (e.g. a hash of the rollout id) seeding the random draw
     * @throws IllegalArgumentException for the human strategy, K < 2 or non-finite rewards
     */
    public PairChoice select(double[] rewards, long groupKey) {
        if (strategy == PairStrategy.HUMAN) {
            throw new IllegalArgumentException("pair strategy 'human' selects from a HumanVerdict, not from "
                    + "rewards; call select(HumanVerdict, k)");
        }
        if (rewards == null || rewards.length < 2) {
            throw new IllegalArgumentException(
                    "expected rewards for K >= 2 completions but found " + (rewards == null ? "null" : rewards.length));
        }
        for (int i = 0; i < rewards.length; i++) {
            if (!Double.isFinite(rewards[i])) {
                throw new IllegalArgumentException(
                        "expected finite rewards but found " + rewards[i] + " at completion " + i);
            }
        }
        return strategy == PairStrategy.BEST_VS_WORST ? bestVsWorst(rewards) : random(rewards, groupKey);
    }

    /**
     * Selects the pair a human judged (strategy human).
     *
     * @param verdict the judgement
     * @param k number of completions in the group (indices must be below it)
     */
    public PairChoice select(HumanVerdict verdict, int k) {
        if (strategy != PairStrategy.HUMAN) {
            throw new IllegalArgumentException("pair strategy '" + strategy.id() + "' selects from rewards, "
                    + "not from a HumanVerdict; configure pair-strategy=human");
        }
        if (verdict.chosenIndex() >= k || verdict.rejectedIndex() >= k) {
            throw new IllegalArgumentException("expected verdict indices below K = " + k + " but found chosen "
                    + verdict.chosenIndex() + ", rejected " + verdict.rejectedIndex());
        }
        return switch (verdict.outcome()) {
            case PREFERENCE -> PairChoice.pair(verdict.chosenIndex(), verdict.rejectedIndex(), Double.NaN);
            case TIE -> PairChoice.drop(PairChoice.DropReason.HUMAN_TIE);
            case BOTH_BAD -> PairChoice.drop(PairChoice.DropReason.HUMAN_BOTH_BAD);
        };
    }

    private static PairChoice bestVsWorst(double[] rewards) {
        int best = 0;
        int worst = 0;
        for (int i = 1; i < rewards.length; i++) {
            if (rewards[i] > rewards[best]) {
                best = i;
            }
            if (rewards[i] < rewards[worst]) {
                worst = i;
            }
        }
        if (rewards[best] == rewards[worst]) {
            return PairChoice.drop(PairChoice.DropReason.REWARD_TIE);
        }
        return PairChoice.pair(best, worst, rewards[best] - rewards[worst]);
    }

    private PairChoice random(double[] rewards, long groupKey) {
        var rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ groupKey);
        int a = rng.nextInt(rewards.length);
        int b = rng.nextInt(rewards.length - 1);
        if (b >= a) {
            b++; // uniform over the K−1 indices other than a
        }
        if (rewards[a] == rewards[b]) {
            return PairChoice.drop(PairChoice.DropReason.REWARD_TIE);
        }
        return rewards[a] > rewards[b]
                ? PairChoice.pair(a, b, rewards[a] - rewards[b])
                : PairChoice.pair(b, a, rewards[b] - rewards[a]);
    }
}
