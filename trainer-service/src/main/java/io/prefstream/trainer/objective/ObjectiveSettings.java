package io.prefstream.trainer.objective;

import io.prefstream.platform.config.Setting;
import io.prefstream.platform.config.SettingSet;
import java.util.function.Predicate;

/**
 * The objectives' hyper-parameters as typed settings ({@code trainer.beta}, ...): each one's key,
 * type, default (the papers' values, see {@link ObjectiveParams}), and what it accepts. The config
 * loader parses and validates them once; {@link ObjectiveParams} checks its components with the
 * same validators, so the config and the objectives can never disagree on what is allowed.
 */
public final class ObjectiveSettings {

    private ObjectiveSettings() {}

    public static final Setting<Double> BETA =
            positive("trainer.beta", 0.1, "β of DPO, cDPO, IPO, AIS, HyPO, online DPO");
    public static final Setting<Double> LABEL_SMOOTHING = number(
            "trainer.label-smoothing", 0.1, "cDPO label-flip rate ε", v -> v >= 0 && v < 0.5, "a number in [0, 0.5)");
    public static final Setting<Double> LAMBDA = nonNegative("trainer.lambda", 1e-4, "HyPO reverse-KL coefficient λ");
    public static final Setting<Double> GAMMA = nonNegative("trainer.gamma", 0.0, "HyPO per-token length penalty γ");
    public static final Setting<Double> TRUNCATION = number(
            "trainer.truncation",
            1.0,
            "HyPO cap c on the stale-sample importance weight (Infinity = none)",
            v -> v > 0,
            "a number > 0 or Infinity");
    public static final Setting<Double> CLIP = number(
            "trainer.clip",
            Double.POSITIVE_INFINITY,
            "AIS upper clip on the weight (Infinity = none)",
            v -> v > 0,
            "a number > 0 or Infinity");
    public static final Setting<AisAlpha> ALPHA = new Setting<>(
            "trainer.alpha",
            "alpha",
            AisAlpha::parse,
            AisAlpha.LENGTH,
            "AIS exponent: 'length' (1/|y|) or a number",
            v -> true,
            "'length' or a number in [0, 1]");
    public static final Setting<Double> BETA_PI = positive("trainer.beta-pi", 0.5, "EXO β_π on log π/π_ref");
    public static final Setting<Double> BETA_R = positive("trainer.beta-r", 0.1, "EXO reward temperature β_r");
    public static final Setting<Double> EXO_EPSILON = number(
            "trainer.exo-epsilon", 1e-3, "exo-pair target smoothing ε", v -> v > 0 && v < 0.5, "a number in (0, 0.5)");
    public static final Setting<PairStrategy> PAIR_STRATEGY = new Setting<>(
            "trainer.pair-strategy",
            "PairStrategy",
            PairStrategy::parse,
            PairStrategy.BEST_VS_WORST,
            "How online pairs are made from a labeled group: best-vs-worst, random or human (the label join's pairs)",
            v -> true,
            "best-vs-worst, random or human");
    public static final Setting<ReferenceMode> REFERENCE = new Setting<>(
            "trainer.reference",
            "ReferenceMode",
            ReferenceMode::parse,
            ReferenceMode.FIXED,
            "pi_ref: fixed (the SFT policy) or refresh (the policy at each iteration boundary)",
            v -> true,
            "fixed or refresh");
    public static final Setting<Long> SEED = new Setting<>(
            "trainer.seed", "long", Long::valueOf, 0L, "Seed of the random pair strategy", v -> true, "an integer");

    /** Every objective hyper-parameter, in the order of {@link ObjectiveParams}' components. */
    public static final SettingSet ALL = SettingSet.of(
            BETA,
            LABEL_SMOOTHING,
            LAMBDA,
            GAMMA,
            TRUNCATION,
            CLIP,
            ALPHA,
            BETA_PI,
            BETA_R,
            EXO_EPSILON,
            PAIR_STRATEGY,
            REFERENCE,
            SEED);

    private static Setting<Double> positive(String key, double defaultValue, String doc) {
        return number(key, defaultValue, doc, v -> v > 0 && Double.isFinite(v), "a finite number > 0");
    }

    private static Setting<Double> nonNegative(String key, double defaultValue, String doc) {
        return number(key, defaultValue, doc, v -> v >= 0 && Double.isFinite(v), "a finite number >= 0");
    }

    private static Setting<Double> number(
            String key, double defaultValue, String doc, Predicate<Double> validator, String allowed) {
        return new Setting<>(key, "double", Double::valueOf, defaultValue, doc, validator, allowed);
    }
}
