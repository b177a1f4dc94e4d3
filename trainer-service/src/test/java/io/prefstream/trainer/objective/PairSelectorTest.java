package io.prefstream.trainer.objective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prefstream.trainer.objective.PairChoice.DropReason;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PairSelectorTest {

    private final PairSelector bestVsWorst = PairSelector.of(PairStrategy.BEST_VS_WORST, 0);

    @Test
    void bestVsWorstPicksExtremes() {
        PairChoice c = bestVsWorst.select(new double[] {0.2, 0.9, -0.4, 0.5}, 7);
        assertEquals(new PairChoice(1, 2, 1.3, Optional.empty()).chosen(), c.chosen());
        assertEquals(2, c.rejected());
        assertEquals(1.3, c.rewardMargin(), 1e-12);
        assertTrue(c.isPair());
    }

    @Test
    void bestVsWorstTakesFirstIndexAmongEqualExtremes() {
        PairChoice c = bestVsWorst.select(new double[] {1, 0, 1, 0}, 0);
        assertEquals(0, c.chosen());
        assertEquals(1, c.rejected());
    }

    @Test
    void bestVsWorstDropsAllEqualRewards() {
        PairChoice c = bestVsWorst.select(new double[] {0.5, 0.5, 0.5}, 0);
        assertFalse(c.isPair());
        assertEquals(Optional.of(DropReason.REWARD_TIE), c.dropped());
        assertEquals(-1, c.chosen());
    }

    @Test
    void randomIsDeterministicPerGroupKeyAndOrdersByReward() {
        var selector = PairSelector.of(PairStrategy.RANDOM, 42);
        double[] rewards = {0.1, 0.7, 0.3, 0.9, 0.5, 0.2, 0.8, 0.4};
        for (long key = 0; key < 50; key++) {
            PairChoice a = selector.select(rewards, key);
            PairChoice b = selector.select(rewards, key);
            assertEquals(a, b, "same key must give the same pair (idempotent on redelivery)");
            assertNotEquals(a.chosen(), a.rejected());
            assertTrue(rewards[a.chosen()] > rewards[a.rejected()]);
            assertEquals(rewards[a.chosen()] - rewards[a.rejected()], a.rewardMargin(), 1e-12);
        }
    }

    @Test
    void randomCoversAllUnorderedPairsUniformly() {
        var selector = PairSelector.of(PairStrategy.RANDOM, 3);
        double[] rewards = {0, 1, 2, 3};
        int[][] counts = new int[4][4];
        int n = 60_000;
        for (long key = 0; key < n; key++) {
            PairChoice c = selector.select(rewards, key);
            counts[c.chosen()][c.rejected()]++;
        }
        // 6 unordered pairs, each with probability 1/6; chosen always has the higher reward.
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                if (i > j) {
                    assertEquals(1.0 / 6, counts[i][j] / (double) n, 0.01, "pair " + i + "," + j);
                } else {
                    assertEquals(0, counts[i][j]);
                }
            }
        }
    }

    @Test
    void randomDropsEqualDrawnRewards() {
        var selector = PairSelector.of(PairStrategy.RANDOM, 1);
        PairChoice c = selector.select(new double[] {2, 2}, 5);
        assertEquals(Optional.of(DropReason.REWARD_TIE), c.dropped());
    }

    @Test
    void humanVerdicts() {
        var human = PairSelector.of(PairStrategy.HUMAN, 0);
        PairChoice p = human.select(HumanVerdict.preference(3, 1), 4);
        assertEquals(3, p.chosen());
        assertEquals(1, p.rejected());
        assertTrue(Double.isNaN(p.rewardMargin()));
        assertEquals(
                Optional.of(DropReason.HUMAN_TIE),
                human.select(new HumanVerdict(HumanVerdict.Outcome.TIE, 0, 1), 2)
                        .dropped());
        assertEquals(
                Optional.of(DropReason.HUMAN_BOTH_BAD),
                human.select(new HumanVerdict(HumanVerdict.Outcome.BOTH_BAD, 0, 1), 2)
                        .dropped());
    }

    @Test
    void badInputsAreRejectedWithClearMessages() {
        var e = assertThrows(
                IllegalArgumentException.class, () -> bestVsWorst.select(new double[] {0.1, Double.NaN}, 0));
        assertTrue(e.getMessage().contains("finite") && e.getMessage().contains("completion 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> bestVsWorst.select(new double[] {1}, 0));
        assertThrows(IllegalArgumentException.class, () -> bestVsWorst.select(HumanVerdict.preference(0, 1), 2));
        var human = PairSelector.of(PairStrategy.HUMAN, 0);
        assertThrows(IllegalArgumentException.class, () -> human.select(new double[] {1, 2}, 0));
        var out = assertThrows(IllegalArgumentException.class, () -> human.select(HumanVerdict.preference(0, 4), 4));
        assertTrue(out.getMessage().contains("K = 4"), out.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HumanVerdict.preference(1, 1));
    }

    @Test
    void configuredFromParams() {
        var params = ObjectiveParams.builder()
                .pairStrategy(PairStrategy.RANDOM)
                .seed(9)
                .build();
        assertEquals(PairStrategy.RANDOM, PairSelector.of(params).strategy());
        assertEquals(
                PairSelector.of(PairStrategy.RANDOM, 9).select(new double[] {1, 2, 3}, 11),
                PairSelector.of(params).select(new double[] {1, 2, 3}, 11));
    }
}
