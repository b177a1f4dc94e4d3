package io.prefstream.trainer.objective;

import static io.prefstream.trainer.objective.ObjectiveSettings.ALPHA;
import static io.prefstream.trainer.objective.ObjectiveSettings.BETA;
import static io.prefstream.trainer.objective.ObjectiveSettings.BETA_PI;
import static io.prefstream.trainer.objective.ObjectiveSettings.BETA_R;
import static io.prefstream.trainer.objective.ObjectiveSettings.CLIP;
import static io.prefstream.trainer.objective.ObjectiveSettings.EXO_EPSILON;
import static io.prefstream.trainer.objective.ObjectiveSettings.GAMMA;
import static io.prefstream.trainer.objective.ObjectiveSettings.LABEL_SMOOTHING;
import static io.prefstream.trainer.objective.ObjectiveSettings.LAMBDA;
import static io.prefstream.trainer.objective.ObjectiveSettings.PAIR_STRATEGY;
import static io.prefstream.trainer.objective.ObjectiveSettings.REFERENCE;
import static io.prefstream.trainer.objective.ObjectiveSettings.SEED;
import static io.prefstream.trainer.objective.ObjectiveSettings.TRUNCATION;

import io.prefstream.platform.config.Setting;

/**
 * Hyper-parameters of all objectives as typed values, each checked by the validator of its
 * {@link ObjectiveSettings setting}. Each objective reads only the ones it names; the defaults are
 * the settings' defaults, the papers' values ({@link #defaults()}). The config builds one with
 * {@link #from(Values)}; tests change a few with {@link #toBuilder()}.
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

    /** Where {@link #from} reads each setting's value, e.g. {@code resolvedConfig::get}. */
    @FunctionalInterface
    public interface Values {
        <T> T get(Setting<T> setting);
    }

    private static final ObjectiveParams DEFAULTS = from(Setting::defaultValue);

    public ObjectiveParams {
        check(BETA, beta);
        check(LABEL_SMOOTHING, labelSmoothing);
        check(LAMBDA, lambda);
        check(GAMMA, gamma);
        check(TRUNCATION, truncation);
        check(CLIP, clip);
        check(ALPHA, alpha);
        check(BETA_PI, betaPi);
        check(BETA_R, betaR);
        check(EXO_EPSILON, exoEpsilon);
        check(PAIR_STRATEGY, pairStrategy);
        check(REFERENCE, reference);
        check(SEED, seed);
    }

    /** The documented defaults: every {@link ObjectiveSettings} setting's default. */
    public static ObjectiveParams defaults() {
        return DEFAULTS;
    }

    /** The value of every {@link ObjectiveSettings} setting, read from {@code values}. */
    public static ObjectiveParams from(Values values) {
        return new ObjectiveParams(
                values.get(BETA),
                values.get(LABEL_SMOOTHING),
                values.get(LAMBDA),
                values.get(GAMMA),
                values.get(TRUNCATION),
                values.get(CLIP),
                values.get(ALPHA),
                values.get(BETA_PI),
                values.get(BETA_R),
                values.get(EXO_EPSILON),
                values.get(PAIR_STRATEGY),
                values.get(REFERENCE),
                values.get(SEED));
    }

    /** A builder starting from these values. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder(DEFAULTS);
    }

    /** Changes a few values of a copy; {@link #build()} validates them all. */
    public static final class Builder {
        private double beta;
        private double labelSmoothing;
        private double lambda;
        private double gamma;
        private double truncation;
        private double clip;
        private AisAlpha alpha;
        private double betaPi;
        private double betaR;
        private double exoEpsilon;
        private PairStrategy pairStrategy;
        private ReferenceMode reference;
        private long seed;

        private Builder(ObjectiveParams p) {
            beta = p.beta;
            labelSmoothing = p.labelSmoothing;
            lambda = p.lambda;
            gamma = p.gamma;
            truncation = p.truncation;
            clip = p.clip;
            alpha = p.alpha;
            betaPi = p.betaPi;
            betaR = p.betaR;
            exoEpsilon = p.exoEpsilon;
            pairStrategy = p.pairStrategy;
            reference = p.reference;
            seed = p.seed;
        }

        public Builder beta(double v) {
            beta = v;
            return this;
        }

        public Builder labelSmoothing(double v) {
            labelSmoothing = v;
            return this;
        }

        public Builder lambda(double v) {
            lambda = v;
            return this;
        }

        public Builder gamma(double v) {
            gamma = v;
            return this;
        }

        public Builder truncation(double v) {
            truncation = v;
            return this;
        }

        public Builder clip(double v) {
            clip = v;
            return this;
        }

        public Builder alpha(AisAlpha v) {
            alpha = v;
            return this;
        }

        public Builder betaPi(double v) {
            betaPi = v;
            return this;
        }

        public Builder betaR(double v) {
            betaR = v;
            return this;
        }

        public Builder exoEpsilon(double v) {
            exoEpsilon = v;
            return this;
        }

        public Builder pairStrategy(PairStrategy v) {
            pairStrategy = v;
            return this;
        }

        public Builder reference(ReferenceMode v) {
            reference = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        /** @throws IllegalArgumentException naming the first value its setting rejects */
        public ObjectiveParams build() {
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
                    seed);
        }
    }

    /** Rejects {@code value} unless {@code setting} accepts it: "beta: expected a finite number > 0 but found 0.0". */
    private static <T> void check(Setting<T> setting, T value) {
        String name = setting.key().substring(setting.key().indexOf('.') + 1);
        if (value == null || !setting.validator().test(value)) {
            throw new IllegalArgumentException(name + ": expected " + setting.allowed() + " but found " + value);
        }
    }
}
