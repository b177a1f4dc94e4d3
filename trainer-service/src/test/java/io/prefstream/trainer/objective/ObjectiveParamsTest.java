package io.prefstream.trainer.objective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ObjectiveParamsTest {

    @Test
    void defaultsAreThePapersValues() {
        var p = ObjectiveParams.defaults();
        assertEquals(0.1, p.beta());
        assertEquals(0.1, p.labelSmoothing());
        assertEquals(1e-4, p.lambda());
        assertEquals(0.0, p.gamma());
        assertEquals(1.0, p.truncation());
        assertEquals(Double.POSITIVE_INFINITY, p.clip());
        assertEquals(AisAlpha.LENGTH, p.alpha());
        assertEquals(0.5, p.betaPi());
        assertEquals(0.1, p.betaR());
        assertEquals(1e-3, p.exoEpsilon());
        assertEquals(PairStrategy.BEST_VS_WORST, p.pairStrategy());
        assertEquals(ReferenceMode.FIXED, p.reference());
    }

    @Test
    void parsesConfigKeysAndRoundTrips() {
        var p = ObjectiveParams.parse(Map.of(
                "beta",
                "0.05",
                "alpha",
                "0.2",
                "pair-strategy",
                "random",
                "reference",
                "refresh",
                "clip",
                "Infinity",
                "lambda",
                "0.1",
                "seed",
                "7"));
        assertEquals(0.05, p.beta());
        assertEquals(AisAlpha.fixed(0.2), p.alpha());
        assertEquals(PairStrategy.RANDOM, p.pairStrategy());
        assertEquals(ReferenceMode.REFRESH, p.reference());
        assertEquals(0.1, p.lambda());
        assertEquals(7, p.seed());
        assertEquals(p, ObjectiveParams.parse(p.asMap()));
    }

    @Test
    void rejectsBadValuesNamingKeyValueAndAllowed() {
        var e = assertThrows(
                IllegalArgumentException.class, () -> ObjectiveParams.defaults().withBeta(0));
        assertEquals("beta: expected a finite number > 0 but found 0.0", e.getMessage());
        var smoothing = assertThrows(
                IllegalArgumentException.class, () -> ObjectiveParams.parse(Map.of("label-smoothing", "0.5")));
        assertTrue(smoothing.getMessage().contains("label-smoothing: expected a number in [0, 0.5)"));
        var alpha = assertThrows(IllegalArgumentException.class, () -> ObjectiveParams.parse(Map.of("alpha", "1.5")));
        assertTrue(alpha.getMessage().contains("'length' or a number in [0, 1]"), alpha.getMessage());
        var unknown = assertThrows(IllegalArgumentException.class, () -> ObjectiveParams.parse(Map.of("betta", "1")));
        assertTrue(
                unknown.getMessage().contains("unknown objective parameter 'betta'")
                        && unknown.getMessage().contains("beta-pi"),
                unknown.getMessage());
        var strategy = assertThrows(
                IllegalArgumentException.class, () -> ObjectiveParams.parse(Map.of("pair-strategy", "best")));
        assertTrue(strategy.getMessage().contains("best-vs-worst, random, human"), strategy.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ObjectiveParams.parse(Map.of("beta", "x")));
    }

    @Test
    void factoryListsNamesAndRejectsUnknown() {
        assertTrue(Objectives.names().containsAll(java.util.List.of("dpo", "cdpo", "ipo", "online-dpo")));
        var e = assertThrows(
                IllegalArgumentException.class, () -> Objectives.create("ppo", ObjectiveParams.defaults()));
        assertTrue(
                e.getMessage().contains("unknown objective 'ppo'")
                        && e.getMessage().contains("dpo"),
                e.getMessage());
        assertEquals(
                "online-dpo",
                Objectives.create("Iterative-DPO", ObjectiveParams.defaults()).name());
    }
}
