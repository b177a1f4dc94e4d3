package io.prefstream.launcher.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.prefstream.launcher.UsageException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * An experiment: a grid of demo runs (arm × seed) on one task, and the paper claim it tests as
 * checks between arms. Read from YAML (a file, or a built-in spec by name); every field is
 * checked when the spec is read, and an error names the field and what was expected.
 *
 * @param name     short id ({@code gshf}); the report directory is named after it
 * @param title    one line for the report's heading
 * @param paper    the paper whose claim this is
 * @param claim    the claim, in one sentence
 * @param task     {@code --task} of every run
 * @param profile  {@code --profile} of every run
 * @param seeds    seeds; every arm runs once per seed (π_ref and the offline set follow the seed)
 * @param steps    trainer steps of every run (an arm may override)
 * @param options  demo flags (without {@code --}) shared by every arm
 * @param set      {@code --set} values shared by every arm
 * @param arms     the arms, in report order
 * @param checks   comparisons that must all pass for the claim to hold
 * @param metrics  derived metrics: {@code kl-budget} (for {@code gold_within_kl}, {@code gold_at_kl}), {@code target-gold}
 *                 (for {@code time_to_target_s})
 */
public record ExperimentSpec(
        String name,
        String title,
        String paper,
        String claim,
        String task,
        String profile,
        List<Long> seeds,
        long steps,
        Map<String, String> options,
        Map<String, String> set,
        List<Arm> arms,
        List<Check> checks,
        Map<String, Double> metrics) {

    /** Built-in specs, one per paper claim. */
    public static final List<String> BUILT_IN = List.of("gshf", "hypo", "exo", "ais", "async", "smoke");

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> FIELDS = Set.of(
            "name", "title", "paper", "claim", "task", "profile", "seeds", "steps", "options", "set", "arms", "checks",
            "metrics");
    private static final Set<String> ARM_FIELDS = Set.of("name", "algo", "steps", "options", "set");
    private static final Set<String> CHECK_FIELDS = Set.of("arm", "baseline", "metric", "direction");
    private static final Set<String> METRIC_FIELDS = Set.of("kl-budget", "target-gold");

    /**
     * One arm: a demo configuration run once per seed.
     *
     * @param name    label in tables and plots (unique within the spec)
     * @param algo    {@code --algo}
     * @param steps   trainer steps, or 0 for the spec's
     * @param options demo flags (without {@code --}) over the spec's, e.g. {@code online-fraction: 0}
     * @param set     {@code --set} values over the spec's
     */
    public record Arm(String name, String algo, long steps, Map<String, String> options, Map<String, String> set) {
        public Arm {
            options = Map.copyOf(options);
            set = Map.copyOf(set);
        }

        /** A name safe as one path element: letters, digits, '-' and '.' only. */
        public String slug() {
            return slug(name);
        }

        static String slug(String s) {
            return s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.]+", "-").replaceAll("(^-+|-+$)", "");
        }
    }

    /** How an arm must compare with the baseline on a metric. */
    public enum Direction {
        /** the arm's mean is higher, significantly (one-sided Welch t-test, p < 0.05) */
        HIGHER,
        /** the arm's mean is lower, significantly */
        LOWER,
        /** the arm is not significantly lower (one-sided p ≥ 0.05 for "lower") */
        NOT_LOWER,
        /** the arm is not significantly higher */
        NOT_HIGHER;

        public String id() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * A comparison between two arms over seeds.
     *
     * @param metric a per-run metric: a numeric field of the demo's summary JSON ({@code final_gold_reward},
     *               {@code kl}, {@code final_accuracy}, {@code labels_used}, {@code elapsed_s}, ...) or a
     *               derived one ({@code gold_within_kl}, {@code gold_at_kl}, {@code time_to_target_s})
     */
    public record Check(String arm, String baseline, String metric, Direction direction) {}

    public ExperimentSpec {
        seeds = List.copyOf(seeds);
        options = Map.copyOf(options);
        set = Map.copyOf(set);
        arms = List.copyOf(arms);
        checks = List.copyOf(checks);
        metrics = Map.copyOf(metrics);
    }

    /** The spec with other seeds (e.g. {@code --seeds}); everything else as it was. */
    public ExperimentSpec withSeeds(List<Long> newSeeds) {
        return new ExperimentSpec(
                name, title, paper, claim, task, profile, newSeeds, steps, options, set, arms, checks, metrics);
    }

    /** The spec with another number of steps for every arm (e.g. {@code --steps}). */
    public ExperimentSpec withSteps(long newSteps) {
        var newArms = arms.stream()
                .map(a -> new Arm(a.name(), a.algo(), 0, a.options(), a.set()))
                .toList();
        return new ExperimentSpec(
                name, title, paper, claim, task, profile, seeds, newSteps, options, set, newArms, checks, metrics);
    }

    /** The spec with another profile (e.g. {@code --profile tiny}). */
    public ExperimentSpec withProfile(String newProfile) {
        return new ExperimentSpec(
                name, title, paper, claim, task, newProfile, seeds, steps, options, set, arms, checks, metrics);
    }

    /** Steps of {@code arm}: its own, else the spec's. */
    public long stepsOf(Arm arm) {
        return arm.steps() > 0 ? arm.steps() : steps;
    }

    /** The demo flags of {@code arm}: the spec's, then the arm's. */
    public Map<String, String> optionsOf(Arm arm) {
        var m = new LinkedHashMap<>(options);
        m.putAll(arm.options());
        return m;
    }

    /** The {@code --set} values of {@code arm}: the spec's, then the arm's. */
    public Map<String, String> setOf(Arm arm) {
        var m = new LinkedHashMap<>(set);
        m.putAll(arm.set());
        return m;
    }

    /** The arm called {@code name}. */
    public Arm arm(String armName) {
        return arms.stream()
                .filter(a -> a.name().equals(armName))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no arm '" + armName + "' in spec " + name));
    }

    /**
     * A built-in spec by name, or a YAML file.
     *
     * @param what  a name in {@link #BUILT_IN} or a path
     * @param where the user's word for it in messages (e.g. {@code SPEC})
     */
    public static ExperimentSpec load(String what, String where) {
        if (BUILT_IN.contains(what)) {
            try (InputStream in = ExperimentSpec.class.getResourceAsStream("/experiments/" + what + ".yaml")) {
                if (in == null) {
                    throw new IllegalStateException("built-in spec " + what + " is missing from the jar");
                }
                return parse(YAML.readTree(in), "built-in spec " + what);
            } catch (IOException e) {
                throw new IllegalStateException("cannot read built-in spec " + what, e);
            }
        }
        Path file = Path.of(what);
        if (!Files.isRegularFile(file)) {
            throw new UsageException(where + " '" + what + "' is neither a built-in spec ("
                    + String.join(", ", BUILT_IN) + ") nor a file");
        }
        try {
            return parse(YAML.readTree(file.toFile()), file.toString());
        } catch (IOException e) {
            throw new UsageException(where + " " + file + " is not valid YAML: " + e.getMessage(), e);
        }
    }

    /** Reads and checks a spec tree; {@code source} names it in errors. */
    static ExperimentSpec parse(JsonNode root, String source) {
        if (root == null || !root.isObject()) {
            throw bad(source, "", "a YAML mapping with name, claim, task, seeds, steps, arms", String.valueOf(root));
        }
        unknown(root, FIELDS, source, "");
        String name = text(root, "name", source, "", true);
        if (!name.matches("[A-Za-z0-9._-]+")) {
            throw bad(source, "name", "letters, digits, '.', '_' or '-'", name);
        }
        String title = orDefault(text(root, "title", source, "", false), name);
        String paper = orDefault(text(root, "paper", source, "", false), "");
        String claim = text(root, "claim", source, "", true);
        String task = orDefault(text(root, "task", source, "", false), "arithmetic");
        String profile = orDefault(text(root, "profile", source, "", false), "default");
        JsonNode seedsNode = root.get("seeds");
        if (seedsNode == null || !seedsNode.isArray() || seedsNode.isEmpty()) {
            throw bad(source, "seeds", "a non-empty list of integers", String.valueOf(seedsNode));
        }
        var seeds = new ArrayList<Long>();
        for (JsonNode s : seedsNode) {
            if (!s.canConvertToLong() || !s.isIntegralNumber()) {
                throw bad(source, "seeds", "integers", s.toString());
            }
            if (seeds.contains(s.asLong())) {
                throw bad(source, "seeds", "distinct seeds", "seed " + s.asLong() + " twice");
            }
            seeds.add(s.asLong());
        }
        long steps = positive(root, "steps", source, "", true);
        var options = flags(root.get("options"), source, "options");
        var set = flags(root.get("set"), source, "set");
        JsonNode armsNode = root.get("arms");
        if (armsNode == null || !armsNode.isArray() || armsNode.isEmpty()) {
            throw bad(source, "arms", "a non-empty list of arms (name, algo, options, set)", String.valueOf(armsNode));
        }
        var arms = new ArrayList<Arm>();
        var slugs = new LinkedHashSet<String>();
        for (int i = 0; i < armsNode.size(); i++) {
            JsonNode a = armsNode.get(i);
            String at = "arms[" + i + "]";
            if (!a.isObject()) {
                throw bad(source, at, "a mapping with name and algo", a.toString());
            }
            unknown(a, ARM_FIELDS, source, at + ".");
            var arm = new Arm(
                    text(a, "name", source, at + ".", true),
                    text(a, "algo", source, at + ".", true),
                    a.has("steps") ? positive(a, "steps", source, at + ".", true) : 0,
                    flags(a.get("options"), source, at + ".options"),
                    flags(a.get("set"), source, at + ".set"));
            if (arm.slug().isEmpty() || !slugs.add(arm.slug())) {
                throw bad(
                        source,
                        at + ".name",
                        "a name distinct from the other arms' (compared as " + "lower-case letters and digits)",
                        arm.name());
            }
            arms.add(arm);
        }
        var checks = new ArrayList<Check>();
        JsonNode checksNode = root.get("checks");
        if (checksNode == null || !checksNode.isArray() || checksNode.isEmpty()) {
            throw bad(
                    source,
                    "checks",
                    "a non-empty list of checks (arm, baseline, metric, direction)",
                    String.valueOf(checksNode));
        }
        var armNames = arms.stream().map(Arm::name).toList();
        for (int i = 0; i < checksNode.size(); i++) {
            JsonNode c = checksNode.get(i);
            String at = "checks[" + i + "].";
            if (!c.isObject()) {
                throw bad(source, "checks[" + i + "]", "a mapping with arm, baseline, metric, direction", c.toString());
            }
            unknown(c, CHECK_FIELDS, source, at);
            String arm = text(c, "arm", source, at, true);
            String baseline = text(c, "baseline", source, at, true);
            for (String[] ref : new String[][] {{"arm", arm}, {"baseline", baseline}}) {
                if (!armNames.contains(ref[1])) {
                    throw bad(source, at + ref[0], "one of the arms " + armNames, ref[1]);
                }
            }
            String direction = text(c, "direction", source, at, true);
            Direction d;
            try {
                d = Direction.valueOf(direction.toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw bad(source, at + "direction", "higher, lower, not-lower or not-higher", direction);
            }
            checks.add(new Check(arm, baseline, text(c, "metric", source, at, true), d));
        }
        var metrics = new LinkedHashMap<String, Double>();
        JsonNode m = root.get("metrics");
        if (m != null && !m.isNull()) {
            if (!m.isObject()) {
                throw bad(source, "metrics", "a mapping of kl-budget and/or target-gold to numbers", m.toString());
            }
            unknown(m, METRIC_FIELDS, source, "metrics.");
            for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
                var e = it.next();
                if (!e.getValue().isNumber() || !Double.isFinite(e.getValue().asDouble())) {
                    throw bad(
                            source,
                            "metrics." + e.getKey(),
                            "a finite number",
                            e.getValue().toString());
                }
                metrics.put(e.getKey(), e.getValue().asDouble());
            }
        }
        for (Check c : checks) {
            if (c.metric().startsWith("gold_") && c.metric().endsWith("_kl") && !metrics.containsKey("kl-budget")) {
                throw bad(source, "metrics.kl-budget", "a number (check on " + c.metric() + " needs it)", "nothing");
            }
            if (c.metric().equals("time_to_target_s") && !metrics.containsKey("target-gold")) {
                throw bad(source, "metrics.target-gold", "a number (check on time_to_target_s needs it)", "nothing");
            }
        }
        return new ExperimentSpec(
                name, title, paper, claim, task, profile, seeds, steps, options, set, arms, checks, metrics);
    }

    private static String orDefault(String value, String fallback) {
        return value == null ? fallback : value;
    }

    private static String text(JsonNode node, String field, String source, String at, boolean required) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw bad(source, at + field, "a value", "nothing");
            }
            return null;
        }
        if (!v.isValueNode() || v.asText().isBlank()) {
            throw bad(source, at + field, "a non-empty text", v.toString());
        }
        return v.asText();
    }

    private static long positive(JsonNode node, String field, String source, String at, boolean required) {
        JsonNode v = node.get(field);
        if (v == null || !v.isIntegralNumber() || v.asLong() < 1) {
            throw bad(source, at + field, "a whole number ≥ 1", String.valueOf(v));
        }
        return v.asLong();
    }

    /** A mapping of flag or key to scalar value, as text. */
    private static Map<String, String> flags(JsonNode node, String source, String at) {
        var m = new LinkedHashMap<String, String>();
        if (node == null || node.isNull()) {
            return m;
        }
        if (!node.isObject()) {
            throw bad(source, at, "a mapping of names to values", node.toString());
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                throw bad(
                        source,
                        at + "." + e.getKey(),
                        "a single value",
                        e.getValue().toString());
            }
            m.put(e.getKey(), e.getValue().asText());
        }
        return m;
    }

    private static void unknown(JsonNode node, Set<String> allowed, String source, String at) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw bad(source, at + f, "one of the fields " + new java.util.TreeSet<>(allowed), "an unknown field");
            }
        }
    }

    private static UsageException bad(String source, String field, String expected, String found) {
        return new UsageException(
                source + (field.isEmpty() ? "" : ": field " + field) + ": expected " + expected + ", found " + found);
    }

    /** The spec as JSON (written into the report so a report says what produced it). */
    public ObjectNode toJson() {
        return YAML.valueToTree(this);
    }
}
