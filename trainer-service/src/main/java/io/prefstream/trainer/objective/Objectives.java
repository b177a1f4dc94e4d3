package io.prefstream.trainer.objective;

import static io.prefstream.trainer.objective.DataKind.OFFLINE_PAIRS;
import static io.prefstream.trainer.objective.DataKind.ONLINE_PAIRS;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Factory of {@link PreferenceObjective}s by name, for config and the CLI.
 *
 * <table>
 *   <caption>Objectives and the inputs they need</caption>
 *   <tr><th>name</th><th>inputs</th></tr>
 *   <tr><td>dpo, cdpo, ipo</td><td>offline and/or online pairs</td></tr>
 *   <tr><td>online-dpo (alias iterative-dpo)</td><td>online pairs (optionally offline pairs)</td></tr>
 *   <tr><td>hypo</td><td>offline pairs and unlabeled groups</td></tr>
 *   <tr><td>exo-pair</td><td>offline and/or online pairs</td></tr>
 *   <tr><td>exo-rw, dpo-rw</td><td>labeled groups</td></tr>
 *   <tr><td>ais-dpo, ais-ipo</td><td>offline and/or online pairs (online pairs need behaviour
 *       log-probs)</td></tr>
 * </table>
 */
public final class Objectives {

    private static final Map<String, BiFunction<String, ObjectiveParams, PreferenceObjective>> FACTORIES = factories();
    private static final Map<String, String> ALIASES = Map.of("iterative-dpo", "online-dpo");

    private Objectives() {}

    /** Canonical objective names, in documentation order. */
    public static List<String> names() {
        return List.copyOf(FACTORIES.keySet());
    }

    /** Alias → canonical name. */
    public static Map<String, String> aliases() {
        return ALIASES;
    }

    /**
     * Creates the objective called {@code name} (case-insensitive; aliases accepted).
     *
     * @throws IllegalArgumentException for an unknown name, listing the known names
     */
    public static PreferenceObjective create(String name, ObjectiveParams params) {
        if (name == null) {
            throw new IllegalArgumentException("objective: expected one of " + names() + " but found null");
        }
        if (params == null) {
            throw new IllegalArgumentException("objective '" + name + "': expected ObjectiveParams but "
                    + "found null; use ObjectiveParams.defaults()");
        }
        String key = name.trim().toLowerCase(Locale.ROOT);
        key = ALIASES.getOrDefault(key, key);
        var factory = FACTORIES.get(key);
        if (factory == null) {
            throw new IllegalArgumentException(
                    "unknown objective '" + name + "'; known: " + names() + ", aliases: " + ALIASES.keySet());
        }
        return factory.apply(key, params);
    }

    private static Map<String, BiFunction<String, ObjectiveParams, PreferenceObjective>> factories() {
        var pairs = Requirements.anyOf(OFFLINE_PAIRS, ONLINE_PAIRS);
        var online = Requirements.allOf(ONLINE_PAIRS).withOptional(OFFLINE_PAIRS);
        var map = new LinkedHashMap<String, BiFunction<String, ObjectiveParams, PreferenceObjective>>();
        map.put("dpo", (n, p) -> new DpoObjective(n, pairs, p.beta(), 0));
        map.put("cdpo", (n, p) -> new DpoObjective(n, pairs, p.beta(), p.labelSmoothing()));
        map.put("ipo", (n, p) -> new IpoObjective(n, pairs, p.beta()));
        map.put("online-dpo", (n, p) -> new DpoObjective(n, online, p.beta(), 0));
        map.put("hypo", (n, p) -> new HypoObjective(n, p.beta(), p.lambda(), p.gamma(), p.truncation()));
        map.put("exo-pair", (n, p) -> new ExoPairObjective(n, pairs, p.betaPi(), p.exoEpsilon()));
        map.put("exo-rw", (n, p) -> new ExoRewardObjective(n, p.betaPi(), p.betaR()));
        map.put("dpo-rw", (n, p) -> new DpoRewardObjective(n, p.betaPi(), p.betaR()));
        map.put("ais-dpo", (n, p) -> new AisObjective(n, pairs, AisObjective.Base.DPO, p.beta(), p.alpha(), p.clip()));
        map.put("ais-ipo", (n, p) -> new AisObjective(n, pairs, AisObjective.Base.IPO, p.beta(), p.alpha(), p.clip()));
        return map;
    }
}
