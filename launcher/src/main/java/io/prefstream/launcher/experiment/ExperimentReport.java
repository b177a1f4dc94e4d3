package io.prefstream.launcher.experiment;

import static io.prefstream.launcher.experiment.MeasuredRun.FINAL_PROXY;
import static io.prefstream.launcher.experiment.MeasuredRun.GOLD_AT_KL;
import static io.prefstream.launcher.experiment.MeasuredRun.GOLD_WITHIN_KL;
import static io.prefstream.launcher.experiment.MeasuredRun.TIME_TO_TARGET;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefstream.launcher.experiment.ExperimentPlots.ArmRuns;
import io.prefstream.launcher.experiment.ExperimentPlots.Plot;
import io.prefstream.launcher.experiment.ExperimentSpec.Arm;
import io.prefstream.launcher.experiment.ExperimentSpec.Check;
import io.prefstream.launcher.experiment.ReportDocument.Code;
import io.prefstream.launcher.experiment.ReportDocument.Heading;
import io.prefstream.launcher.experiment.ReportDocument.Image;
import io.prefstream.launcher.experiment.ReportDocument.Items;
import io.prefstream.launcher.experiment.ReportDocument.Paragraph;
import io.prefstream.launcher.experiment.ReportDocument.Table;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * An experiment's report: its runs aggregated per arm, and the paper claim checked between arms.
 *
 * <p>Per run, besides every numeric field of the demo's summary ({@code final_gold_reward}, {@code kl},
 * {@code labels_used}, {@code elapsed_s}, ...), three metrics are derived from its trainer records
 * ({@code metrics.json}), each usable by name in the spec's checks:
 * <ul>
 *   <li>{@code gold_within_kl = max { gold_e : KL_e ≤ kl-budget }} over the run's evaluations e, π_ref's
 *       (step 0, KL 0) included; when the spec sets {@code kl-budget}. KL is the exact token-level KL, else the
 *       sequence estimate.</li>
 *   <li>{@code gold_at_kl}: the gold reward where the run's KL first reaches {@code kl-budget}, interpolated
 *       linearly in KL between the evaluation before and the first at or above it; NaN when it never does.</li>
 *   <li>{@code time_to_target_s}: seconds from {@code online_started_ms} to the first evaluation i with
 *       {@code gold_i ≥ target-gold}, interpolated linearly in wall time from the previous one:
 *       {@code t* = t_{i−1} + (target − gold_{i−1}) / (gold_i − gold_{i−1}) · (t_i − t_{i−1})}; when the spec sets
 *       {@code target-gold} and the run reports {@code online_started_ms}. A run that never reaches the target
 *       shows "not reached", and in arm means and checks counts its whole online time {@code online_s} (a lower
 *       bound; the report says how many runs did not reach it).</li>
 *   <li>{@code final_proxy_reward}: the last evaluation's {@code proxy_reward} (the proxy reward model scoring the
 *       policy's own samples, {@code trainer.eval-reward-model}) when reported; else the mean {@code label_reward_mean}
 *       (the training labels' reward) over the last 10% of the TRAIN records reporting it.</li>
 * </ul>
 * Per arm: mean {@code x̄} and sample std {@code s} (n − 1; 0 for one seed) over its seeds. Each check compares
 * two arms by Welch's t-test with a one-sided p-value ({@link CheckResult}); the claim holds iff every check
 * passes. A check on a metric some run lacks, or on an arm without runs, fails and says why.
 *
 * <p>Files written: {@code report.md} and {@code index.html} (the same content), {@code runs.csv} and
 * {@code runs.json} (one row per run: summary fields and derived metrics), {@code experiment.json} (the
 * returned object, the spec, every check's details) and the PNG plots of {@link ExperimentPlots}.
 */
public final class ExperimentReport {

    public static final String REPORT_MD = "report.md";
    public static final String INDEX_HTML = "index.html";
    public static final String RUNS_CSV = "runs.csv";
    public static final String RUNS_JSON = "runs.json";
    public static final String EXPERIMENT_JSON = "experiment.json";

    /** Arms whose mean labels used differ by at most this factor have equal label budgets. */
    static final double LABEL_TOLERANCE = 1.01;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String NONE = "–";

    /** A column of the per-arm table beyond the fixed ones, with its JSON name and how to format it. */
    private record Column(String metric, String title, String pattern) {}

    private ExperimentReport() {}

    /** {@link #write(ExperimentSpec, List, Path, String)} without a command line. */
    public static ObjectNode write(ExperimentSpec spec, List<RunResult> runs, Path reportDir) {
        return write(spec, runs, reportDir, null);
    }

    /**
     * Writes the report of {@code runs} into {@code reportDir} and returns its machine-readable summary:
     * {@code {spec, claim, holds, report_dir, arms: [{name, algo, seeds, labels_used, final_gold_reward_mean,
     * final_gold_reward_std, kl_mean, kl_std, final_accuracy_mean, wall_s_mean, <derived>_mean, ...}],
     * checks: [{arm, baseline, metric, direction, arm_mean, baseline_mean, ratio (arm mean / baseline mean), p, passed, reason}]}}.
     * Numbers are rounded to 4 decimals (p-values to 4 significant digits), NaN is null.
     *
     * @param command the command line that ran the experiment, shown in the report; null for none
     */
    public static ObjectNode write(ExperimentSpec spec, List<RunResult> runs, Path reportDir, String command) {
        var armOrder = spec.arms().stream().map(Arm::name).toList();
        var measured = runs.stream()
                .map(r -> MeasuredRun.of(r, spec))
                .sorted(Comparator.<MeasuredRun>comparingInt(
                                r -> armOrder.contains(r.arm()) ? armOrder.indexOf(r.arm()) : armOrder.size())
                        .thenComparing(MeasuredRun::arm)
                        .thenComparingLong(MeasuredRun::seed))
                .toList();
        var arms = new ArrayList<ArmRuns>();
        for (int i = 0; i < spec.arms().size(); i++) {
            String name = spec.arms().get(i).name();
            arms.add(new ArmRuns(
                    name, i, measured.stream().filter(r -> r.arm().equals(name)).toList()));
        }
        var checks = spec.checks().stream().map(c -> check(c, arms)).toList();
        boolean holds = !checks.isEmpty() && checks.stream().allMatch(CheckResult::passed);
        var columns = columns(spec, measured);
        try {
            Files.createDirectories(reportDir);
            List<Plot> plots = ExperimentPlots.write(reportDir, spec, arms);
            ObjectNode result = summary(spec, arms, columns, checks, holds, reportDir);
            Files.writeString(reportDir.resolve(RUNS_CSV), runsCsv(measured), StandardCharsets.UTF_8);
            Files.writeString(
                    reportDir.resolve(RUNS_JSON),
                    JSON.writeValueAsString(runsJson(measured)) + "\n",
                    StandardCharsets.UTF_8);
            ObjectNode experiment = result.deepCopy();
            experiment.set("spec_definition", spec.toJson());
            if (command != null) {
                experiment.put("command", command);
            }
            experiment.set("check_details", checkDetails(checks));
            experiment.put("label_budgets", labelBudgets(arms));
            ArrayNode plotNodes = experiment.putArray("plots");
            plots.forEach(p -> plotNodes
                    .addObject()
                    .put("file", p.file())
                    .put("title", p.title())
                    .put("written", p.written())
                    .put("note", p.note()));
            Files.writeString(
                    reportDir.resolve(EXPERIMENT_JSON),
                    JSON.writeValueAsString(experiment) + "\n",
                    StandardCharsets.UTF_8);
            ReportDocument doc = document(spec, command, arms, columns, measured, checks, holds, plots);
            Files.writeString(reportDir.resolve(REPORT_MD), doc.markdown(), StandardCharsets.UTF_8);
            Files.writeString(reportDir.resolve(INDEX_HTML), doc.html(), StandardCharsets.UTF_8);
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the experiment report to " + reportDir, e);
        }
    }

    // ---- statistics ----

    /** An arm's values of {@code metric} as compared ({@link MeasuredRun#value}), runs lacking it left out. */
    static SeedSample sample(List<MeasuredRun> runs, String metric) {
        return new SeedSample(runs.stream()
                .mapToDouble(r -> r.value(metric))
                .filter(Double::isFinite)
                .toArray());
    }

    static CheckResult check(Check c, List<ArmRuns> arms) {
        var armRuns = runsOf(arms, c.arm());
        var baseRuns = runsOf(arms, c.baseline());
        var a = sample(armRuns, c.metric());
        var b = sample(baseRuns, c.metric());
        if (armRuns.isEmpty() || baseRuns.isEmpty()) {
            return CheckResult.failed(c, a, b, "no runs of arm " + (armRuns.isEmpty() ? c.arm() : c.baseline()));
        }
        var lacking = new ArrayList<MeasuredRun>();
        for (MeasuredRun r : armRuns) {
            if (!Double.isFinite(r.value(c.metric()))) {
                lacking.add(r);
            }
        }
        for (MeasuredRun r : baseRuns) {
            if (!Double.isFinite(r.value(c.metric()))) {
                lacking.add(r);
            }
        }
        if (!lacking.isEmpty()) {
            int all = armRuns.size() + baseRuns.size();
            String which = lacking.size() == all
                    ? "every run"
                    : lacking.stream().map(r -> r.arm() + " seed " + r.seed()).collect(Collectors.joining(", "));
            return CheckResult.failed(
                    c,
                    a,
                    b,
                    "metric `" + c.metric() + "` missing in " + which + " (expected a "
                            + "numeric field of the run summary, or one of " + GOLD_WITHIN_KL + ", " + GOLD_AT_KL
                            + " (need kl-budget), "
                            + TIME_TO_TARGET + " (needs target-gold and online_started_ms), " + FINAL_PROXY
                            + " (needs label_reward_mean))");
        }
        return CheckResult.evaluate(c, a, b);
    }

    private static List<MeasuredRun> runsOf(List<ArmRuns> arms, String arm) {
        return arms.stream()
                .filter(a -> a.name().equals(arm))
                .findFirst()
                .map(ArmRuns::runs)
                .orElse(List.of());
    }

    /**
     * Per-arm columns beyond the fixed ones: the derived metrics in use, idle fractions when reported,
     * and any other metric a check names.
     */
    private static List<Column> columns(ExperimentSpec spec, List<MeasuredRun> runs) {
        var cols = new ArrayList<Column>();
        Double budget = spec.metrics().get("kl-budget");
        if (budget != null) {
            cols.add(new Column(GOLD_WITHIN_KL, "gold within KL ≤ " + plain(budget), "%.3f"));
            cols.add(new Column(GOLD_AT_KL, "gold at KL = " + plain(budget), "%.3f"));
        }
        Double target = spec.metrics().get("target-gold");
        if (target != null) {
            cols.add(new Column(TIME_TO_TARGET, "time to gold ≥ " + plain(target) + " (s)", "%.1f"));
        }
        for (String m : List.of(FINAL_PROXY, "trainer_idle_fraction", "generator_idle_fraction")) {
            if (runs.stream().anyMatch(r -> Double.isFinite(r.raw(m)))) {
                cols.add(new Column(m, m.replace('_', ' '), "%.3f"));
            }
        }
        var fixed = List.of("final_gold_reward", "kl", "final_accuracy", "labels_used", "elapsed_s");
        for (Check c : spec.checks()) {
            if (!fixed.contains(c.metric())
                    && cols.stream().noneMatch(col -> col.metric().equals(c.metric()))) {
                cols.add(new Column(c.metric(), "`" + c.metric() + "`", "%.4g"));
            }
        }
        return cols;
    }

    // ---- machine-readable ----

    private static ObjectNode summary(
            ExperimentSpec spec,
            List<ArmRuns> arms,
            List<Column> columns,
            List<CheckResult> checks,
            boolean holds,
            Path reportDir) {
        ObjectNode o = JSON.createObjectNode();
        o.put("spec", spec.name());
        o.put("claim", spec.claim());
        o.put("holds", holds);
        o.put("report_dir", reportDir.toAbsolutePath().toString());
        ArrayNode armNodes = o.putArray("arms");
        for (int i = 0; i < arms.size(); i++) {
            ArmRuns a = arms.get(i);
            ObjectNode n = armNodes.addObject();
            n.put("name", a.name());
            n.put("algo", spec.arms().get(i).algo());
            n.put("seeds", a.runs().size());
            put(n, "labels_used", sample(a.runs(), "labels_used").mean());
            var gold = sample(a.runs(), "final_gold_reward");
            put(n, "final_gold_reward_mean", gold.mean());
            put(n, "final_gold_reward_std", gold.std());
            var kl = sample(a.runs(), "kl");
            put(n, "kl_mean", kl.mean());
            put(n, "kl_std", kl.std());
            var acc = sample(a.runs(), "final_accuracy");
            put(n, "final_accuracy_mean", acc.mean());
            put(n, "final_accuracy_std", acc.std());
            put(n, "wall_s_mean", sample(a.runs(), "elapsed_s").mean());
            for (Column c : columns) {
                var s = sample(a.runs(), c.metric());
                put(n, c.metric() + "_mean", s.mean());
                put(n, c.metric() + "_std", s.std());
                if (c.metric().equals(TIME_TO_TARGET)) {
                    n.put(
                            "time_to_target_not_reached",
                            a.runs().stream().filter(MeasuredRun::missedTarget).count());
                }
            }
        }
        ArrayNode checkNodes = o.putArray("checks");
        for (CheckResult r : checks) {
            ObjectNode n = checkNodes.addObject();
            putCheck(n, r);
            put(n, "arm_mean", r.arm().mean());
            put(n, "baseline_mean", r.baseline().mean());
            put(n, "ratio", r.ratio());
            putP(n, "p", r.p());
            n.put("passed", r.passed());
            n.put("reason", r.reason());
        }
        return o;
    }

    /** The check itself: arm, baseline, metric and direction (as spelled in specs). */
    private static void putCheck(ObjectNode n, CheckResult r) {
        n.put("arm", r.check().arm());
        n.put("baseline", r.check().baseline());
        n.put("metric", r.check().metric());
        n.put("direction", r.check().direction().id());
    }

    private static ArrayNode checkDetails(List<CheckResult> checks) {
        ArrayNode array = JSON.createArrayNode();
        for (CheckResult r : checks) {
            ObjectNode n = array.addObject();
            putCheck(n, r);
            for (var side : List.of(Map.entry("arm", r.arm()), Map.entry("baseline", r.baseline()))) {
                ArrayNode values = n.putArray(side.getKey() + "_values");
                for (double v : side.getValue().values()) {
                    values.add(round(v));
                }
                put(n, side.getKey() + "_mean", side.getValue().mean());
                put(n, side.getKey() + "_std", side.getValue().std());
                n.put(side.getKey() + "_n", side.getValue().n());
            }
            put(n, "difference", r.difference());
            put(n, "ratio", r.ratio());
            n.put("test", Double.isNaN(r.t()) ? "none" : "welch");
            put(n, "t", r.t());
            put(n, "df", r.df());
            putP(n, "p", r.p());
            n.put("alpha", CheckResult.ALPHA);
            n.put("passed", r.passed());
            n.put("reason", r.reason());
        }
        return array;
    }

    /** Summary field names over all runs, in the order first seen. */
    private static List<String> summaryFields(List<MeasuredRun> runs) {
        var names = new LinkedHashSet<String>();
        for (MeasuredRun r : runs) {
            if (r.result().summary() != null) {
                r.result().summary().fieldNames().forEachRemaining(names::add);
            }
        }
        return List.copyOf(names);
    }

    private static List<String> derivedFields(List<MeasuredRun> runs) {
        var names = new LinkedHashSet<String>();
        runs.forEach(r -> names.addAll(r.derived().keySet()));
        return List.copyOf(names);
    }

    static ArrayNode runsJson(List<MeasuredRun> runs) {
        var derived = derivedFields(runs);
        ArrayNode array = JSON.createArrayNode();
        for (MeasuredRun r : runs) {
            ObjectNode o = array.addObject();
            o.put("arm", r.arm());
            o.put("seed", r.seed());
            o.put(
                    "run_dir",
                    r.result().runDir() == null ? null : r.result().runDir().toString());
            if (r.result().summary() != null) {
                for (Iterator<Map.Entry<String, JsonNode>> it =
                                r.result().summary().fields();
                        it.hasNext(); ) {
                    var e = it.next();
                    if (!o.has(e.getKey())) {
                        o.set(e.getKey(), e.getValue().deepCopy());
                    }
                }
            }
            for (String d : derived) {
                put(o, d, r.raw(d));
                if (d.equals(TIME_TO_TARGET) && r.derived().containsKey(TIME_TO_TARGET)) {
                    o.put("reached_target", !r.missedTarget());
                }
            }
        }
        return array;
    }

    static String runsCsv(List<MeasuredRun> runs) {
        ArrayNode rows = runsJson(runs);
        var header = new LinkedHashSet<String>(List.of("arm", "seed", "run_dir"));
        rows.forEach(r -> r.fieldNames().forEachRemaining(header::add));
        var sb = new StringBuilder(String.join(
                        ",", header.stream().map(ExperimentReport::csvCell).toList()))
                .append('\n');
        for (JsonNode r : rows) {
            sb.append(header.stream()
                            .map(h -> {
                                JsonNode v = r.get(h);
                                return v == null || v.isNull()
                                        ? ""
                                        : csvCell(v.isValueNode() ? v.asText() : v.toString());
                            })
                            .collect(Collectors.joining(",")))
                    .append('\n');
        }
        return sb.toString();
    }

    private static String csvCell(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    // ---- human-readable ----

    private static ReportDocument document(
            ExperimentSpec spec,
            String command,
            List<ArmRuns> arms,
            List<Column> columns,
            List<MeasuredRun> runs,
            List<CheckResult> checks,
            boolean holds,
            List<Plot> plots) {
        var doc = new ReportDocument(spec.title());
        doc.add(new Heading(1, spec.title()));
        if (!spec.paper().isBlank()) {
            doc.add(new Paragraph("Paper: " + spec.paper()));
        }
        doc.add(new Paragraph("Claim: " + spec.claim()));
        doc.add(new Paragraph("Experiment `" + spec.name() + "`: task `" + spec.task() + "`, profile `"
                + spec.profile() + "`, seeds " + spec.seeds() + ", " + spec.steps() + " trainer steps per run"
                + (spec.arms().stream().anyMatch(a -> a.steps() > 0) ? " (some arms set their own)" : "") + "."));
        if (command != null) {
            doc.add(new Heading(2, "Command"));
            doc.add(new Code(command));
        }

        doc.add(new Heading(2, "Arms"));
        doc.add(armTable(spec, arms, columns));
        doc.add(new Paragraph(labelBudgets(arms) + checkedBudgets(spec, arms)));

        doc.add(new Heading(2, "Verdict"));
        doc.add(new Paragraph("Claim holds: " + (holds ? "yes" : "no") + " ("
                + checks.stream().filter(CheckResult::passed).count() + " of " + checks.size()
                + " checks pass; one-sided Welch "
                + "t-test over seeds, α = " + CheckResult.ALPHA + ")."));
        doc.add(new Items(checks.stream().map(ExperimentReport::checkLine).toList()));

        doc.add(new Heading(2, "Plots"));
        doc.add(new Paragraph("Curves are the trainer's periodic evaluations (the same held-out prompts and seed "
                + "every time; step 0 is π_ref). Means over seeds use the steps every seed of an arm evaluated. "
                + "The tables' final gold reward and KL are the launcher's final evaluation, on other prompts, "
                + "so they differ from the last curve points by sampling noise; the frontier plot's large diamonds "
                + "show them."));
        for (Plot p : plots) {
            doc.add(new Heading(3, p.title()));
            if (p.written()) {
                doc.add(new Image(p.file(), p.title()));
            } else {
                doc.add(new Paragraph("`" + p.file() + "`: " + p.note()));
            }
        }

        doc.add(new Heading(2, "Runs"));
        doc.add(runTable(columns, runs));
        doc.add(new Paragraph("Data: `" + RUNS_CSV + "`, `" + RUNS_JSON + "`, `" + EXPERIMENT_JSON + "`."));
        return doc;
    }

    private static Table armTable(ExperimentSpec spec, List<ArmRuns> arms, List<Column> columns) {
        var header = new ArrayList<>(List.of(
                "arm",
                "algo",
                "seeds (n)",
                "labels used (mean)",
                "final gold reward",
                "KL(π‖π_ref)",
                "final accuracy",
                "wall s (mean)"));
        columns.forEach(c -> header.add(c.title()));
        var rows = new ArrayList<List<String>>();
        for (int i = 0; i < arms.size(); i++) {
            ArmRuns a = arms.get(i);
            var row = new ArrayList<>(List.of(
                    a.name(),
                    spec.arms().get(i).algo(),
                    String.valueOf(a.runs().size()),
                    fmt("%.0f", sample(a.runs(), "labels_used").mean()),
                    meanStd(sample(a.runs(), "final_gold_reward"), "%.3f"),
                    meanStd(sample(a.runs(), "kl"), "%.3f"),
                    meanStd(sample(a.runs(), "final_accuracy"), "%.3f"),
                    fmt("%.1f", sample(a.runs(), "elapsed_s").mean())));
            for (Column c : columns) {
                String cell = meanStd(sample(a.runs(), c.metric()), c.pattern());
                if (c.metric().equals(TIME_TO_TARGET)) {
                    long missed =
                            a.runs().stream().filter(MeasuredRun::missedTarget).count();
                    if (missed > 0 && missed == a.runs().size()) {
                        cell = "not reached";
                    } else if (missed > 0) {
                        cell += " (" + missed + " not reached)";
                    }
                }
                row.add(cell);
            }
            rows.add(row);
        }
        var notes = new ArrayList<String>();
        notes.add("Values are mean ± sample std over seeds; " + NONE + " where no run reports the metric.");
        if (arms.stream().anyMatch(a -> a.runs().isEmpty())) {
            notes.add("No runs: "
                    + arms.stream()
                            .filter(a -> a.runs().isEmpty())
                            .map(ArmRuns::name)
                            .collect(Collectors.joining(", ")) + " (the experiment stopped before they ran).");
        }
        Double budget = spec.metrics().get("kl-budget");
        if (budget != null) {
            notes.add("`" + GOLD_WITHIN_KL + "`: the highest gold reward among a run's evaluations with "
                    + "KL ≤ " + plain(budget) + " (π_ref's, at KL 0, included); `" + GOLD_AT_KL + "`: the gold reward "
                    + "where the run's KL first reaches " + plain(budget) + ", interpolated between two evaluations "
                    + "(– when it never does).");
        }
        Double target = spec.metrics().get("target-gold");
        if (target != null) {
            var all = arms.stream().flatMap(a -> a.runs().stream()).toList();
            long missed = all.stream().filter(MeasuredRun::missedTarget).count();
            long unknown = all.stream()
                    .filter(r -> !r.derived().containsKey(TIME_TO_TARGET))
                    .count();
            notes.add("`" + TIME_TO_TARGET + "`: seconds from the start of online training to the first evaluation "
                    + "with gold reward ≥ " + plain(target) + ", interpolated linearly between evaluations. " + missed
                    + " of " + all.size() + " runs did not reach it; such a run counts its whole online time "
                    + "`online_s` (a lower bound) in means and checks."
                    + (unknown > 0
                            ? " " + unknown + " runs do not report `online_started_ms` and have no value."
                            : ""));
        }
        if (columns.stream().anyMatch(c -> c.metric().equals(FINAL_PROXY))) {
            notes.add("`" + FINAL_PROXY + "`: the last evaluation's `proxy_reward` (the labels' reward model scoring "
                    + "the policy's own samples) when the trainer reports it; otherwise the mean training-label reward "
                    + "(`label_reward_mean`: the proxy reward model's score, or the gold reward when labels are gold) "
                    + "over the last 10% of training steps.");
        }
        return new Table(header, rows, notes);
    }

    private static Table runTable(List<Column> columns, List<MeasuredRun> runs) {
        var header = new ArrayList<>(List.of(
                "arm",
                "seed",
                "completed",
                "steps",
                "labels used (offline + online)",
                "final gold reward",
                "KL",
                "final accuracy",
                "win rate"));
        columns.forEach(c -> header.add(c.title()));
        header.addAll(List.of("elapsed s", "online s", "dead letters", "run dir"));
        var rows = new ArrayList<List<String>>();
        for (MeasuredRun r : runs) {
            JsonNode completed =
                    r.result().summary() == null ? null : r.result().summary().get("completed");
            String labels = fmt("%.0f", r.summary("labels_used"));
            if (Double.isFinite(r.summary("offline_labels")) && Double.isFinite(r.summary("online_labels"))) {
                labels += " (" + fmt("%.0f", r.summary("offline_labels")) + " + "
                        + fmt("%.0f", r.summary("online_labels")) + ")";
            }
            var row = new ArrayList<>(List.of(
                    r.arm(),
                    String.valueOf(r.seed()),
                    completed != null && completed.isBoolean() ? (completed.asBoolean() ? "yes" : "no") : NONE,
                    fmt("%.0f", r.summary("steps"))
                            + (Double.isFinite(r.summary("planned_steps"))
                                    ? " / " + fmt("%.0f", r.summary("planned_steps"))
                                    : ""),
                    labels,
                    fmt("%.3f", r.summary("final_gold_reward")),
                    fmt("%.3f", r.summary("kl")),
                    fmt("%.3f", r.summary("final_accuracy")),
                    fmt("%.3f", r.summary("win_rate"))));
            for (Column c : columns) {
                row.add(
                        c.metric().equals(TIME_TO_TARGET) && r.missedTarget()
                                ? "not reached"
                                : fmt(c.pattern(), r.raw(c.metric())));
            }
            row.addAll(List.of(
                    fmt("%.1f", r.summary("elapsed_s")),
                    fmt("%.1f", r.summary("online_s")),
                    fmt("%.0f", r.summary("dead_letters")),
                    r.result().runDir() == null ? NONE : "`" + r.result().runDir() + "`"));
            rows.add(row);
        }
        return new Table(header, rows, List.of());
    }

    /** Each arm with runs: its mean {@code labels_used} (NaN when its runs do not report it). */
    private static Map<String, Double> labelMeans(List<ArmRuns> arms) {
        var means = new LinkedHashMap<String, Double>();
        for (ArmRuns a : arms) {
            if (!a.runs().isEmpty()) {
                means.put(a.name(), sample(a.runs(), "labels_used").mean());
            }
        }
        return means;
    }

    /**
     * Whether the arms used the same number of gold/reward-model labels (mean per arm, equal within a
     * factor {@value #LABEL_TOLERANCE}), with the numbers.
     */
    static String labelBudgets(List<ArmRuns> arms) {
        var means = labelMeans(arms);
        var known = means.values().stream().filter(Double::isFinite).toList();
        if (known.isEmpty()) {
            return "Label budgets: the runs do not report `labels_used`.";
        }
        String numbers = means.entrySet().stream()
                .map(e -> e.getKey() + " " + fmt("%.0f", e.getValue()))
                .collect(Collectors.joining(", "));
        if (means.size() < 2) {
            return "Label budget: " + numbers + " labels per run (one arm with runs).";
        }
        if (known.size() < means.size()) {
            return "Label budgets: unknown for some arms (" + numbers + ").";
        }
        double min = known.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double max = known.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        boolean equal = max == min || (min > 0 && max / min <= LABEL_TOLERANCE);
        return equal
                ? "Label budgets are equal across arms (within 1%): " + numbers + " labels per run (mean)."
                : "Label budgets differ across arms: " + numbers + " labels per run (mean; largest / smallest = "
                        + fmt("%.2f", min > 0 ? max / min : Double.POSITIVE_INFINITY) + ").";
    }

    /**
     * Whether every check compares two arms with the same label budget (within
     * {@value #LABEL_TOLERANCE}): a spec may vary the budget across arms on purpose (EXO's K) as long
     * as each comparison is at equal labels. Empty when the budgets are unknown.
     */
    static String checkedBudgets(ExperimentSpec spec, List<ArmRuns> arms) {
        var means = labelMeans(arms);
        var unequal = new java.util.ArrayList<String>();
        for (Check c : spec.checks()) {
            Double a = means.get(c.arm());
            Double b = means.get(c.baseline());
            if (a == null || b == null || !Double.isFinite(a) || !Double.isFinite(b)) {
                return "";
            }
            double lo = Math.min(a, b);
            double hi = Math.max(a, b);
            if (!(hi == lo || (lo > 0 && hi / lo <= LABEL_TOLERANCE))) {
                unequal.add(c.arm() + " vs " + c.baseline());
            }
        }
        return unequal.isEmpty()
                ? " Every check compares arms with equal label budgets."
                : " Checks at unequal label budgets: " + String.join(", ", unequal) + ".";
    }

    private static String checkLine(CheckResult r) {
        Check c = r.check();
        String pattern =
                Math.abs(r.arm().mean()) >= 100 || Math.abs(r.baseline().mean()) >= 100 ? "%.1f" : "%.3f";
        return (r.passed() ? "PASS" : "FAIL") + ": " + c.arm() + " vs " + c.baseline() + ", `" + c.metric() + "` "
                + c.direction().id() + ": " + c.arm() + " " + meanStd(r.arm(), pattern) + " (n="
                + r.arm().n()
                + "), " + c.baseline() + " " + meanStd(r.baseline(), pattern) + " (n="
                + r.baseline().n()
                + "), difference " + fmt("%+" + pattern.substring(1), r.difference()) + " (ratio "
                + fmt("%.2f", r.ratio()) + "), p = "
                + fmt("%.4g", r.p()) + "; " + r.reason();
    }

    // ---- formatting ----

    /** {@code "0.712 ± 0.015"}; {@value #NONE} without values. */
    static String meanStd(SeedSample s, String pattern) {
        return s.n() == 0 ? NONE : fmt(pattern, s.mean()) + " ± " + fmt(pattern, s.std());
    }

    private static String fmt(String pattern, double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, pattern, v) : NONE;
    }

    private static String plain(double v) {
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    /** Rounded to 4 decimals. */
    static double round(double v) {
        return BigDecimal.valueOf(v).setScale(4, RoundingMode.HALF_UP).doubleValue();
    }

    private static void put(ObjectNode o, String name, double v) {
        if (Double.isFinite(v)) {
            o.put(name, round(v));
        } else {
            o.putNull(name);
        }
    }

    /** A p-value to 4 significant digits (small ones would round to 0 at 4 decimals). */
    private static void putP(ObjectNode o, String name, double p) {
        if (Double.isFinite(p)) {
            o.put(name, new BigDecimal(p).round(new MathContext(4)).doubleValue());
        } else {
            o.putNull(name);
        }
    }
}
