package io.prefstream.trainer.objective;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.BiFunction;

/**
 * Hyper-parameters of all objectives, validated on construction. Each objective reads only the ones
 * it names; defaults come from the papers ({@link #defaults()}). Config keys are the kebab-case names
 * accepted by {@link #parse(Map)}.
 *
 * @param beta β, DPO/cDPO/IPO/AIS/HyPO/online-DPO temperature (IPO: regulariser τ); > 0, default
 *     0.1 (GSHF η = 0.1)
 * @param labelSmoothing ε of cdpo, the assumed label-flip rate; in [0, 0.5), default 0.1
 * @param lambda λ, HyPO's reverse-KL coefficient; >= 0, default 1e-4 (HyPO TL;DR table; tiny models
 *     usually need 1e-2 .. 1e-1)
 * @param gamma γ, HyPO's per-token length penalty in the online score; >= 0, default 0 (off)
 * @param truncation c, HyPO's cap on the stale-sample weight min(c, π_θ/μ); > 0 (may be ∞),
 *     default 1 (truncated IS as in V-trace: only down-weights)
 * @param clip upper clip on the AIS weight w; > 0 (∞ = none), default ∞ (the paper does not clip)
 * @param alpha AIS exponent α: 1/|y| ("length", default) or a number in [0, 1]
 * @param betaPi β_π, EXO's inverse temperature on log π_θ/π_ref; > 0, default 0.5 (EXO paper)
 * @param betaR β_r, EXO's reward temperature in softmax(r/β_r); > 0, default 0.1 (EXO paper)
 * @param exoEpsilon ε of exo-pair's smoothed target (1−ε, ε); in (0, 0.5), default 1e-3 (EXO paper)
 * @param pairStrategy how online pairs are built from labeled groups, default best-vs-worst
 * @param reference where π_ref comes from, default fixed (π_0)
 * @param seed seed of the random pair strategy, default 0
 */
public record ObjectiveParams(
        double beta,
        double labelSmoothing,
        double lambda,
        double gamma,
        double truncation,
        double clip,
        AisAlpha alpha,
        double betaPi,
        double betaR,
        double exoEpsilon,
        PairStrategy pairStrategy,
        ReferenceMode reference,
        long seed) {

    private static final ObjectiveParams DEFAULTS = new ObjectiveParams(
            0.1,
            0.1,
            1e-4,
            0.0,
            1.0,
            Double.POSITIVE_INFINITY,
            AisAlpha.LENGTH,
            0.5,
            0.1,
            1e-3,
            PairStrategy.BEST_VS_WORST,
            ReferenceMode.FIXED,
            0L);

    private static final Map<String, BiFunction<ObjectiveParams, String, ObjectiveParams>> SETTERS = setters();

    public ObjectiveParams {
        positive("beta", beta);
        if (!(labelSmoothing >= 0 && labelSmoothing < 0.5)) {
            throw invalid("label-smoothing", labelSmoothing, "a number in [0, 0.5)");
        }
        if (!(lambda >= 0 && Double.isFinite(lambda))) {
            throw invalid("lambda", lambda, "a finite number >= 0");
        }
        if (!(gamma >= 0 && Double.isFinite(gamma))) {
            throw invalid("gamma", gamma, "a finite number >= 0");
        }
        if (!(truncation > 0)) {
            throw invalid("truncation", truncation, "a number > 0 (Infinity disables truncation)");
        }
        if (!(clip > 0)) {
            throw invalid("clip", clip, "a number > 0 (Infinity disables clipping)");
        }
        if (alpha == null) {
            throw new IllegalArgumentException("alpha: expected 'length' or a number in [0, 1] but found null");
        }
        positive("beta-pi", betaPi);
        positive("beta-r", betaR);
        if (!(exoEpsilon > 0 && exoEpsilon < 0.5)) {
            throw invalid("exo-epsilon", exoEpsilon, "a number in (0, 0.5)");
        }
        if (pairStrategy == null) {
            throw new IllegalArgumentException(
                    "pair-strategy: expected best-vs-worst, random or human but " + "found null");
        }
        if (reference == null) {
            throw new IllegalArgumentException("reference: expected fixed or refresh but found null");
        }
    }

    /** The documented defaults. */
    public static ObjectiveParams defaults() {
        return DEFAULTS;
    }

    /**
     * Defaults overridden by {@code values} (config keys: beta, label-smoothing, lambda, gamma,
     * truncation, clip, alpha, beta-pi, beta-r, exo-epsilon, pair-strategy, reference, seed).
     *
     * @throws IllegalArgumentException for an unknown key (listing the known ones) or a bad value
     */
    public static ObjectiveParams parse(Map<String, String> values) {
        var params = DEFAULTS;
        for (var entry : values.entrySet()) {
            var setter = SETTERS.get(entry.getKey());
            if (setter == null) {
                throw new IllegalArgumentException("unknown objective parameter '" + entry.getKey() + "'; known: "
                        + new TreeSet<>(SETTERS.keySet()));
            }
            params = setter.apply(params, entry.getValue().trim());
        }
        return params;
    }

    /** Config key → value, for logs and checkpoint metadata. */
    public Map<String, String> asMap() {
        var map = new LinkedHashMap<String, String>();
        map.put("beta", Double.toString(beta));
        map.put("label-smoothing", Double.toString(labelSmoothing));
        map.put("lambda", Double.toString(lambda));
        map.put("gamma", Double.toString(gamma));
        map.put("truncation", Double.toString(truncation));
        map.put("clip", Double.toString(clip));
        map.put("alpha", alpha.toString());
        map.put("beta-pi", Double.toString(betaPi));
        map.put("beta-r", Double.toString(betaR));
        map.put("exo-epsilon", Double.toString(exoEpsilon));
        map.put("pair-strategy", pairStrategy.id());
        map.put("reference", reference.id());
        map.put("seed", Long.toString(seed));
        return Map.copyOf(map);
    }

    public ObjectiveParams withBeta(double v) {
        return new ObjectiveParams(
                v,
                labelSmoothing,
                lambda,
                gamma,
                truncation,
                clip,
                alpha,
                betaPi,
                betaR,
                exoEpsilon,
                pairStrategy,
                reference,
                seed);
    }

    public ObjectiveParams withLabelSmoothing(double v) {
        return new ObjectiveParams(
                beta,
                v,
                lambda,
                gamma,
                truncation,
                clip,
                alpha,
                betaPi,
                betaR,
                exoEpsilon,
                pairStrategy,
                reference,
                seed);
    }

    public ObjectiveParams withLambda(double v) {
        return new ObjectiveParams(
                beta,
                labelSmoothing,
                v,
                gamma,
                truncation,
                clip,
                alpha,
                betaPi,
                betaR,
                exoEpsilon,
                pairStrategy,
                reference,
                seed);
    }

    public ObjectiveParams withGamma(double v) {
        return new ObjectiveParams(
                beta,
                labelSmoothing,
                lambda,
                v,
                truncation,
                clip,
                alpha,
                betaPi,
                betaR,
                exoEpsilon,
                pairStrategy,
                reference,
                seed);
    }

    public ObjectiveParams withTruncation(double v) {
        return new ObjectiveParams(
                beta,
                labelSmoothing,
                lambda,
                gamma,
                v,
                clip,
                alpha,
                betaPi,
                betaR,
                exoEpsilon,
                pairStrategy,
                reference,
                seed);
    }

    public ObjectiveParams withClip(double v) {
        return new ObjectiveParams(
                beta,
                labelSmoothing,
                lambda,
                gamma,
                truncation,
                v,
                alpha,
                betaPi,
                betaR,
                exoEpsilon,
                pairStrategy,
                reference,
                seed);
    }

    public ObjectiveParams withAlpha(AisAlpha v) {
        return new ObjectiveParams(
                beta,
                labelSmoothing,
                lambda,
                gamma,
                truncation,
                clip,
                v,
                betaPi,
                betaR,
                exoEpsilon,
                pairStrategy,
                reference,
                seed);
    }

    public ObjectiveParams withBetaPi(double v) {
        return new ObjectiveParams(
                beta,
                labelSmoothing,
                lambda,
                gamma,
                truncation,
                clip,
                alpha,
                v,
                betaR,
                exoEpsilon,
                pairStrategy,
                reference,
                seed);
    }

    public ObjectiveParams withBetaR(double v) {
        return new ObjectiveParams(
                beta,
                labelSmoothing,
                lambda,
                gamma,
                truncation,
                clip,
                alpha,
                betaPi,
                v,
                exoEpsilon,
                pairStrategy,
                reference,
                seed);
    }

    public ObjectiveParams withExoEpsilon(double v) {
        return new ObjectiveParams(
                beta,
                labelSmoothing,
                lambda,
                gamma,
                truncation,
                clip,
                alpha,
                betaPi,
                betaR,
                v,
                pairStrategy,
                reference,
                seed);
    }

    public ObjectiveParams withPairStrategy(PairStrategy v) {
        return new ObjectiveParams(
                beta,
                labelSmoothing,
                lambda,
                gamma,
                truncation,
                clip,
                alpha,
                betaPi,
                betaR,
                exoEpsilon,
                v,
                reference,
                seed);
    }

    public ObjectiveParams withReference(ReferenceMode v) {
        return new ObjectiveParams(
                beta,
                labelSmoothing,
                lambda,
                gamma,
                truncation,
                clip,
                alpha,
                betaPi,
                betaR,
                exoEpsilon,
                pairStrategy,
                v,
                seed);
    }

    public ObjectiveParams withSeed(long v) {
        return new ObjectiveParams(
                beta,
                labelSmoothing,
                lambda,
                gamma,
                truncation,
                clip,
                alpha,
                betaPi,
                betaR,
                exoEpsilon,
                pairStrategy,
                reference,
                v);
    }

    private static Map<String, BiFunction<ObjectiveParams, String, ObjectiveParams>> setters() {
        var map = new LinkedHashMap<String, BiFunction<ObjectiveParams, String, ObjectiveParams>>();
        map.put("beta", (p, v) -> p.withBeta(number("beta", v)));
        map.put("label-smoothing", (p, v) -> p.withLabelSmoothing(number("label-smoothing", v)));
        map.put("lambda", (p, v) -> p.withLambda(number("lambda", v)));
        map.put("gamma", (p, v) -> p.withGamma(number("gamma", v)));
        map.put("truncation", (p, v) -> p.withTruncation(number("truncation", v)));
        map.put("clip", (p, v) -> p.withClip(number("clip", v)));
        map.put("alpha", (p, v) -> p.withAlpha(AisAlpha.parse(v)));
        map.put("beta-pi", (p, v) -> p.withBetaPi(number("beta-pi", v)));
        map.put("beta-r", (p, v) -> p.withBetaR(number("beta-r", v)));
        map.put("exo-epsilon", (p, v) -> p.withExoEpsilon(number("exo-epsilon", v)));
        map.put("pair-strategy", (p, v) -> p.withPairStrategy(PairStrategy.parse(v)));
        map.put("reference", (p, v) -> p.withReference(ReferenceMode.parse(v)));
        map.put("seed", (p, v) -> {
            try {
                return p.withSeed(Long.parseLong(v));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("seed: expected an integer but found '" + v + "'", e);
            }
        });
        return Map.copyOf(map);
    }

    private static double number(String key, String text) {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": expected a number but found '" + text + "'", e);
        }
    }

    private static void positive(String key, double value) {
        if (!(value > 0 && Double.isFinite(value))) {
            throw invalid(key, value, "a finite number > 0");
        }
    }

    private static IllegalArgumentException invalid(String key, double value, String allowed) {
        return new IllegalArgumentException(key + ": expected " + allowed + " but found " + value);
    }
}
