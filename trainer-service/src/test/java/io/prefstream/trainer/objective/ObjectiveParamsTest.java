package io.prefstream.trainer.objective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prefstream.platform.config.ConfigException;
import io.prefstream.platform.config.ConfigLoader;
import io.prefstream.platform.config.ResolvedConfig;
import io.prefstream.platform.config.SettingValues;
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

    /** Objective parameters as the config loader reads them: typed settings, parsed once. */
    private static ObjectiveParams load(Map<String, String> flags) {
        ResolvedConfig config = ConfigLoader.forSettings(ObjectiveSettings.ALL)
                .withEnv(Map.of())
                .withOverrides(flags)
                .load();
        return ObjectiveParams.from(config::get);
    }

    @Test
    void parsesConfigKeysAndRoundTrips() {
        var p = load(Map.of(
                "trainer.beta",
                "0.05",
                "trainer.alpha",
                "0.2",
                "trainer.pair-strategy",
                "random",
                "trainer.reference",
                "refresh",
                "trainer.clip",
                "Infinity",
                "trainer.lambda",
                "0.1",
                "trainer.seed",
                "7"));
        assertEquals(0.05, p.beta());
        assertEquals(AisAlpha.fixed(0.2), p.alpha());
        assertEquals(PairStrategy.RANDOM, p.pairStrategy());
        assertEquals(ReferenceMode.REFRESH, p.reference());
        assertEquals(0.1, p.lambda());
        assertEquals(7, p.seed());
        var text = new SettingValues()
                .put(ObjectiveSettings.BETA, p.beta())
                .put(ObjectiveSettings.LABEL_SMOOTHING, p.labelSmoothing())
                .put(ObjectiveSettings.LAMBDA, p.lambda())
                .put(ObjectiveSettings.GAMMA, p.gamma())
                .put(ObjectiveSettings.TRUNCATION, p.truncation())
                .put(ObjectiveSettings.CLIP, p.clip())
                .put(ObjectiveSettings.ALPHA, p.alpha())
                .put(ObjectiveSettings.BETA_PI, p.betaPi())
                .put(ObjectiveSettings.BETA_R, p.betaR())
                .put(ObjectiveSettings.EXO_EPSILON, p.exoEpsilon())
                .put(ObjectiveSettings.PAIR_STRATEGY, p.pairStrategy())
                .put(ObjectiveSettings.REFERENCE, p.reference())
                .put(ObjectiveSettings.SEED, p.seed())
                .asText();
        assertEquals("Infinity", text.get("trainer.clip"));
        assertEquals("random", text.get("trainer.pair-strategy"));
        assertEquals(p, load(text));
    }

    @Test
    void rejectsBadValuesNamingKeyValueAndAllowed() {
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> ObjectiveParams.builder().beta(0).build());
        assertEquals("beta: expected a finite number > 0 but found 0.0", e.getMessage());
        var smoothing = assertThrows(ConfigException.class, () -> load(Map.of("trainer.label-smoothing", "0.5")));
        assertTrue(
                smoothing.getMessage().contains("trainer.label-smoothing")
                        && smoothing.getMessage().contains("expected a number in [0, 0.5)"),
                smoothing.getMessage());
        var alpha = assertThrows(ConfigException.class, () -> load(Map.of("trainer.alpha", "1.5")));
        assertTrue(alpha.getMessage().contains("'length' or a number in [0, 1]"), alpha.getMessage());
        var unknown = assertThrows(ConfigException.class, () -> load(Map.of("trainer.betta", "1")));
        assertTrue(
                unknown.getMessage().contains("Unknown setting 'trainer.betta'")
                        && unknown.getMessage().contains("trainer.beta-pi"),
                unknown.getMessage());
        var strategy = assertThrows(ConfigException.class, () -> load(Map.of("trainer.pair-strategy", "best")));
        assertTrue(strategy.getMessage().contains("best-vs-worst, random or human"), strategy.getMessage());
        assertThrows(ConfigException.class, () -> load(Map.of("trainer.beta", "x")));
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
