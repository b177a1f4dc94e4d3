package io.prefstream.launcher.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefstream.launcher.experiment.ExperimentSpec.Arm;
import io.prefstream.launcher.experiment.ExperimentSpec.Check;
import io.prefstream.launcher.experiment.ExperimentSpec.Direction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two arms × three seeds with hand-chosen numbers: every mean, std, derived metric and p-value below
 * is computed by hand (or by a closed form) in the comments.
 */
class ExperimentReportTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long START = 1_000_000; // online_started_ms of every run
    private static final double KL_BUDGET = 0.15;
    private static final double TARGET = 0.65;

    @TempDir
    Path dir;

    // ---- synthetic runs ----

    /**
     * Evaluations at steps 0, 10, 20, 30, at START − 1 s, + 10 s, + 20 s, + 30 s, with KL 0, 0.05, 0.12 and
     * 0.30. Step 20 reports only {@code kl_seq} (kl_token null), so gold_within_kl (KL ≤ 0.15) is the best
     * gold of steps 0–20 only when the fallback works; step 30 lies beyond the budget.
     */
    private static ArrayNode metrics(double[] gold, boolean proxy) {
        ArrayNode a = JSON.createArrayNode();
        long[] steps = {0, 10, 20, 30};
        long[] at = {START - 1_000, START + 10_000, START + 20_000, START + 30_000};
        Double[] klToken = {0.0, 0.05, null, 0.30};
        Double[] klSeq = {0.0, 0.06, 0.12, 0.31};
        for (int i = 0; i < 4; i++) {
            ObjectNode m = record(a, "EVAL", steps[i], at[i]);
            m.put("gold_reward", gold[i]);
            m.put("accuracy", gold[i] - 0.1);
            if (klToken[i] == null) {
                m.putNull("kl_token");
            } else {
                m.put("kl_token", klToken[i]);
            }
            m.put("kl_seq", klSeq[i]);
            m.put("eval_prompts", 64);
        }
        for (int s = 1; s <= 21; s++) {
            ObjectNode m = record(a, "TRAIN", s, START + s * 1_000L);
            m.put("loss", 0.69);
            m.put("kl", 0.01 * s);
            if (proxy && s <= 20) {
                m.put("label_reward_mean", 0.1 * s); // the last 10% of the 20 reporting it: steps 19, 20 → 1.95
            } else if (proxy) {
                m.putNull("label_reward_mean"); // step 21 reports none: not counted
            }
        }
        return a;
    }

    private static ObjectNode record(ArrayNode a, String kind, long step, long at) {
        ObjectNode r = a.addObject();
        r.put("kind", kind);
        r.put("step", step);
        r.put("policy_version", step);
        r.put("created_at_ms", at);
        return r.putObject("metrics");
    }

    private static ObjectNode summary(
            String algo,
            double gold,
            double kl,
            Double accuracy,
            double elapsed,
            double winRate,
            int offlineLabels,
            Double trainerIdle) {
        ObjectNode s = JSON.createObjectNode();
        s.put("task", "arithmetic");
        s.put("algo", algo);
        s.put("completed", true);
        s.put("steps", 30);
        s.put("planned_steps", 30);
        s.put("policy_versions", 30);
        s.put("elapsed_s", elapsed);
        s.put("online_s", 40.0);
        s.put("reference_gold_reward", 0.5);
        s.put("final_gold_reward", gold);
        s.put("reference_accuracy", 0.4);
        if (accuracy == null) {
            s.putNull("final_accuracy");
        } else {
            s.put("final_accuracy", accuracy);
        }
        s.put("kl", kl);
        s.put("kl_mc", kl);
        s.put("win_rate", winRate);
        s.put("rollouts", 512);
        s.put("dead_letters", 0);
        s.put("report_dir", "/tmp/run/report");
        s.put("labels_used", 1000);
        s.put("offline_labels", offlineLabels);
        s.put("online_labels", 1000 - offlineLabels);
        s.put("online_started_ms", START);
        if (trainerIdle != null) {
            s.put("trainer_idle_fraction", trainerIdle);
        }
        return s;
    }

    /**
     * online: final gold 0.697, 0.712, 0.727 (0.712 ± 0.015); KL 0.10, 0.12, 0.14 (0.12 ± 0.02); accuracy
     * 0.4, 0.5, 0.6; elapsed 100, 200, 300 s; win rate 0.55, 0.60, 0.50.
     * offline: final gold 0.60, 0.62, 0.64 (0.62 ± 0.02); KL 0.05 each; accuracy null; elapsed 400, 500, 600 s;
     * win rate 0.52, 0.58, 0.48.
     */
    private static List<RunResult> runs() {
        var runs = new ArrayList<RunResult>();
        double[][] onlineGold = {{0.50, 0.60, 0.70, 0.75}, {0.50, 0.62, 0.72, 0.76}, {0.50, 0.66, 0.71, 0.78}};
        double[][] offlineGold = {{0.50, 0.55, 0.60, 0.62}, {0.50, 0.56, 0.63, 0.66}, {0.50, 0.57, 0.66, 0.70}};
        double[] onlineFinal = {0.697, 0.712, 0.727};
        double[] offlineFinal = {0.60, 0.62, 0.64};
        double[] onlineKl = {0.10, 0.12, 0.14};
        double[] onlineAcc = {0.4, 0.5, 0.6};
        double[] onlineWin = {0.55, 0.60, 0.50};
        double[] offlineWin = {0.52, 0.58, 0.48};
        for (int i = 0; i < 3; i++) {
            long seed = i + 1;
            // Runs in scrambled order: the report sorts them by arm, then seed.
            runs.add(new RunResult(
                    "offline",
                    seed,
                    Path.of("/data/offline-" + seed),
                    summary("dpo", offlineFinal[i], 0.05, null, 400 + 100 * i, offlineWin[i], 1000, null),
                    metrics(offlineGold[i], false)));
            runs.add(new RunResult(
                    "online",
                    seed,
                    Path.of("/data/online-" + seed),
                    summary("dpo", onlineFinal[i], onlineKl[i], onlineAcc[i], 100 + 100 * i, onlineWin[i], 200, 0.25),
                    metrics(onlineGold[i], true)));
        }
        return runs;
    }

    private static ExperimentSpec spec(List<Arm> arms, List<Check> checks) {
        return new ExperimentSpec(
                "online-vs-offline",
                "Online beats offline DPO",
                "Some et al. 2024",
                "Online preference data beats offline data at an equal label budget.",
                "arithmetic",
                "tiny",
                List.of(1L, 2L, 3L),
                30,
                Map.of(),
                Map.of(),
                arms,
                checks,
                Map.of("kl-budget", KL_BUDGET, "target-gold", TARGET));
    }

    private static final List<Arm> ARMS = List.of(
            new Arm("online", "dpo", 0, Map.of(), Map.of()),
            new Arm("offline", "dpo", 0, Map.of("online-fraction", "0"), Map.of()));

    private static Check check(String metric, Direction d) {
        return new Check("online", "offline", metric, d);
    }

    private static JsonNode arm(ObjectNode report, String name) {
        for (JsonNode a : report.get("arms")) {
            if (a.get("name").asText().equals(name)) {
                return a;
            }
        }
        throw new AssertionError("no arm " + name + " in " + report);
    }

    /** One-sided p of Student's t with 4 degrees of freedom, closed form: F(t) = ½ + ⅜·u·(1 − t²/(12(1 + t²/4))), u = t/√(1 + t²/4). */
    private static double studentCdf4(double t) {
        double u = t / Math.sqrt(1 + t * t / 4);
        return 0.5 + 3.0 / 8 * u * (1 - t * t / (12 * (1 + t * t / 4)));
    }

    // ---- tests ----

    @Test
    void armMeansStdsDerivedMetricsAndChecksAreTheHandComputedOnes() throws Exception {
        var spec = spec(
                ARMS,
                List.of(
                        check("final_gold_reward", Direction.HIGHER),
                        check("elapsed_s", Direction.LOWER),
                        check("win_rate", Direction.HIGHER),
                        check("gold_within_kl", Direction.HIGHER),
                        check("time_to_target_s", Direction.LOWER)));
        ObjectNode report = ExperimentReport.write(spec, runs(), dir, "prefstream experiment online-vs-offline");

        assertEquals("online-vs-offline", report.get("spec").asText());
        assertEquals(dir.toAbsolutePath().toString(), report.get("report_dir").asText());
        JsonNode online = arm(report, "online");
        JsonNode offline = arm(report, "offline");
        assertEquals(3, online.get("seeds").asInt());
        assertEquals("dpo", online.get("algo").asText());
        assertEquals(1000.0, online.get("labels_used").asDouble(), 1e-12);
        assertEquals(0.712, online.get("final_gold_reward_mean").asDouble(), 1e-12);
        assertEquals(0.015, online.get("final_gold_reward_std").asDouble(), 1e-12); // √((0.015² + 0 + 0.015²)/2)
        assertEquals(0.62, offline.get("final_gold_reward_mean").asDouble(), 1e-12);
        assertEquals(0.02, offline.get("final_gold_reward_std").asDouble(), 1e-12);
        assertEquals(0.12, online.get("kl_mean").asDouble(), 1e-12);
        assertEquals(0.02, online.get("kl_std").asDouble(), 1e-12);
        assertEquals(0.0, offline.get("kl_std").asDouble(), 1e-12);
        assertEquals(0.5, online.get("final_accuracy_mean").asDouble(), 1e-12);
        assertTrue(offline.get("final_accuracy_mean").isNull(), "no accuracy → null: " + offline);
        assertEquals(200.0, online.get("wall_s_mean").asDouble(), 1e-12);
        // gold within KL ≤ 0.15: best of steps 0–20 → online 0.70, 0.72, 0.71; offline 0.60, 0.63, 0.66.
        assertEquals(0.71, online.get("gold_within_kl_mean").asDouble(), 1e-12);
        assertEquals(0.01, online.get("gold_within_kl_std").asDouble(), 1e-12);
        assertEquals(0.63, offline.get("gold_within_kl_mean").asDouble(), 1e-12);
        assertEquals(0.03, offline.get("gold_within_kl_std").asDouble(), 1e-12);
        // time to gold ≥ 0.65: online 15, 13, 9.3125 s (the last crossed between step 0 at −1 s and step 10);
        // offline never (counts online_s = 40), 26.6667, 18.8889 s.
        assertEquals(12.4375, online.get("time_to_target_s_mean").asDouble(), 1e-12);
        assertEquals(0, online.get("time_to_target_not_reached").asInt());
        assertEquals(28.5185, offline.get("time_to_target_s_mean").asDouble(), 1e-12); // (40 + 80/3 + 170/9) / 3
        assertEquals(1, offline.get("time_to_target_not_reached").asInt());
        assertEquals(1.95, online.get("final_proxy_reward_mean").asDouble(), 1e-12);
        assertTrue(offline.get("final_proxy_reward_mean").isNull());
        assertEquals(0.25, online.get("trainer_idle_fraction_mean").asDouble(), 1e-12);

        JsonNode checks = report.get("checks");
        assertEquals(5, checks.size());
        JsonNode gold = checks.get(0);
        assertEquals("higher", gold.get("direction").asText());
        assertEquals(0.712, gold.get("arm_mean").asDouble(), 1e-12);
        assertEquals(0.62, gold.get("baseline_mean").asDouble(), 1e-12);
        assertEquals(0.712 / 0.62, gold.get("ratio").asDouble(), 1e-4);
        assertTrue(gold.get("passed").asBoolean(), gold.toString());
        // elapsed 100, 200, 300 vs 400, 500, 600 is R's t.test(c(1,2,3), c(4,5,6)) scaled: t = −3.674, df = 4,
        // two-sided p = 0.02131, so one-sided p(lower) = F₄(t).
        JsonNode elapsed = checks.get(1);
        double t = -300 / Math.sqrt(2 * 10_000 / 3.0);
        assertEquals(0.02131, 2 * studentCdf4(t), 5e-6);
        assertEquals(studentCdf4(t), elapsed.get("p").asDouble(), 5e-6); // p to 4 significant digits: 0.01066
        assertTrue(elapsed.get("passed").asBoolean(), elapsed.toString());
        // Win rates overlap (0.55, 0.60, 0.50 vs 0.52, 0.58, 0.48): higher on average, but not significantly.
        JsonNode win = checks.get(2);
        assertFalse(win.get("passed").asBoolean(), win.toString());
        assertTrue(win.get("p").asDouble() > 0.05, win.toString());
        assertTrue(win.get("reason").asText().startsWith("not significantly higher"), win.toString());
        assertEquals(0.71, checks.get(3).get("arm_mean").asDouble(), 1e-12);
        assertEquals(28.5185, checks.get(4).get("baseline_mean").asDouble(), 1e-12);
        assertFalse(report.get("holds").asBoolean(), "the win-rate check fails");

        JsonNode experiment =
                JSON.readTree(dir.resolve(ExperimentReport.EXPERIMENT_JSON).toFile());
        assertEquals(report.get("checks"), experiment.get("checks"));
        assertEquals(
                "online-vs-offline",
                experiment.get("spec_definition").get("name").asText());
        JsonNode details = experiment.get("check_details").get(1);
        assertEquals(-3.6742, details.get("t").asDouble(), 1e-12);
        assertEquals(4.0, details.get("df").asDouble(), 1e-12);
        assertEquals("welch", details.get("test").asText());
    }

    @Test
    void claimHoldsWhenEveryCheckPasses() {
        var spec = spec(
                ARMS,
                List.of(
                        check("final_gold_reward", Direction.HIGHER),
                        check("elapsed_s", Direction.LOWER),
                        check("labels_used", Direction.NOT_HIGHER)));
        ObjectNode report = ExperimentReport.write(spec, runs(), dir);
        assertTrue(report.get("holds").asBoolean(), report.toString());
        // Equal label budgets (1000 each, zero variance): no t-test; the means are not in the forbidden direction.
        JsonNode labels = report.get("checks").get(2);
        assertTrue(labels.get("p").isNull());
        assertTrue(labels.get("reason").asText().startsWith(CheckResult.NO_T_TEST), labels.toString());
    }

    @Test
    void derivedMetricsOnAHandBuiltCurve() {
        var curves = RunCurves.of(metrics(new double[] {0.50, 0.60, 0.70, 0.75}, true));
        // KL ≤ 0.15: steps 0 (0.50), 10 (0.60), 20 (0.70 at kl_seq 0.12); step 30 (0.75) is at KL 0.30.
        assertEquals(0.70, curves.goldWithinKl(KL_BUDGET), 1e-12);
        assertEquals(0.75, curves.goldWithinKl(0.30), 1e-12);
        assertEquals(0.50, curves.goldWithinKl(0.01), 1e-12); // π_ref alone
        // gold at KL 0.21: between step 20 (KL 0.12 from kl_seq, 0.70) and step 30 (KL 0.30, 0.75): 0.70 + 0.5·0.05
        assertEquals(0.725, curves.goldAtKl(0.21), 1e-12);
        assertEquals(0.60, curves.goldAtKl(0.05), 1e-12); // exactly at step 10
        assertEquals(0.50, curves.goldAtKl(0.0), 1e-12); // π_ref itself
        assertTrue(Double.isNaN(curves.goldAtKl(0.40)), "the run never reaches KL 0.40");
        // 0.65 is halfway from 0.60 (START + 10 s) to 0.70 (START + 20 s): 15 s.
        assertEquals(15.0, curves.timeToTargetS(TARGET, START), 1e-9);
        assertEquals(17.5, curves.timeToTargetS(0.675, START), 1e-9);
        assertEquals(20.0, curves.timeToTargetS(0.70, START), 1e-9);
        assertTrue(Double.isNaN(curves.timeToTargetS(0.80, START)), "never reached");
        assertEquals(1.95, curves.finalProxyReward(), 1e-12);
        assertTrue(Double.isNaN(
                RunCurves.of(metrics(new double[] {0.5, 0.6, 0.7, 0.8}, false)).finalProxyReward()));
    }

    @Test
    void withoutATTestTheDirectionOfAllValuesDecides() {
        var higher = new Check("a", "b", "m", Direction.HIGHER);
        var one = CheckResult.evaluate(higher, new SeedSample(new double[] {0.8}), new SeedSample(new double[] {0.7}));
        assertTrue(one.passed());
        assertTrue(Double.isNaN(one.p()));
        assertTrue(one.reason().startsWith(CheckResult.NO_T_TEST), one.reason());
        var overlapping = CheckResult.evaluate(
                higher, new SeedSample(new double[] {0.8}), new SeedSample(new double[] {0.7, 0.9}));
        assertFalse(overlapping.passed(), "0.8 is not above every baseline value (0.9)");
        var constant =
                CheckResult.evaluate(higher, new SeedSample(new double[] {2, 2}), new SeedSample(new double[] {1, 1}));
        assertTrue(constant.passed());
        var notLower = new Check("a", "b", "m", Direction.NOT_LOWER);
        assertTrue(
                CheckResult.evaluate(notLower, new SeedSample(new double[] {1, 1}), new SeedSample(new double[] {1, 1}))
                        .passed());
        assertFalse(CheckResult.evaluate(notLower, new SeedSample(new double[] {0.9}), new SeedSample(new double[] {1}))
                .passed());
        // With a t-test: 1, 2, 3 vs 4, 5, 6 is significantly lower (p = 0.0107), so NOT_LOWER fails.
        var tested = CheckResult.evaluate(
                notLower, new SeedSample(new double[] {1, 2, 3}), new SeedSample(new double[] {4, 5, 6}));
        assertFalse(tested.passed());
        assertEquals(studentCdf4(-3 / Math.sqrt(2 / 3.0)), tested.p(), 1e-9);
    }

    @Test
    void armWithoutRunsAndMissingMetricsFailTheirChecksWithoutThrowing() throws Exception {
        var arms = new ArrayList<>(ARMS);
        arms.add(new Arm("stopped", "hypo", 0, Map.of(), Map.of()));
        var spec = spec(
                arms,
                List.of(
                        new Check("stopped", "offline", "final_gold_reward", Direction.HIGHER),
                        check("final_accuracy", Direction.NOT_LOWER),
                        check("no_such_metric", Direction.HIGHER)));
        ObjectNode report = ExperimentReport.write(spec, runs(), dir);
        JsonNode stopped = arm(report, "stopped");
        assertEquals(0, stopped.get("seeds").asInt());
        assertTrue(stopped.get("final_gold_reward_mean").isNull());
        assertTrue(stopped.get("labels_used").isNull());
        JsonNode checks = report.get("checks");
        assertFalse(checks.get(0).get("passed").asBoolean());
        assertTrue(
                checks.get(0).get("reason").asText().startsWith("no runs"),
                checks.get(0).toString());
        assertFalse(checks.get(1).get("passed").asBoolean());
        assertTrue(
                checks.get(1)
                        .get("reason")
                        .asText()
                        .contains("`final_accuracy` missing in offline seed 1, " + "offline seed 2, offline seed 3"),
                checks.get(1).toString());
        assertTrue(
                checks.get(2).get("reason").asText().contains("`no_such_metric` missing in every run"),
                checks.get(2).toString());
        assertFalse(report.get("holds").asBoolean());
        String md = Files.readString(dir.resolve(ExperimentReport.REPORT_MD));
        assertTrue(md.contains("| stopped | hypo | 0 | – | – | – | – | – |"), md);
        assertTrue(md.contains("FAIL: online vs offline, `no_such_metric` higher"), md);
    }

    @Test
    void writesEveryFileWithTheFormattedNumbers() throws Exception {
        var spec = spec(ARMS, List.of(check("final_gold_reward", Direction.HIGHER)));
        ExperimentReport.write(spec, runs(), dir, "prefstream experiment online-vs-offline --seeds 1,2,3");
        for (String f : List.of(
                "report.md",
                "index.html",
                "runs.csv",
                "runs.json",
                "experiment.json",
                "gold_vs_step.png",
                "kl_vs_step.png",
                "gold_vs_kl.png",
                "gold_vs_wall.png",
                "proxy_vs_kl.png")) {
            assertTrue(Files.size(dir.resolve(f)) > 0, f);
        }
        String md = Files.readString(dir.resolve("report.md"));
        assertTrue(md.startsWith("# Online beats offline DPO\n"), md);
        assertTrue(md.contains("```\nprefstream experiment online-vs-offline --seeds 1,2,3\n```"), md);
        assertTrue(
                md.contains("| online | dpo | 3 | 1000 | 0.712 ± 0.015 | 0.120 ± 0.020 | 0.500 ± 0.100 | 200.0 |"), md);
        assertTrue(md.contains("| offline | dpo | 3 | 1000 | 0.620 ± 0.020 | 0.050 ± 0.000 | – | 500.0 |"), md);
        assertTrue(md.contains("28.5 ± 10.7 (1 not reached)"), md); // std of 40, 80/3, 170/9 is 10.677
        assertTrue(md.contains("1 of 6 runs did not reach it"), md);
        assertTrue(md.contains("Label budgets are equal across arms (within 1%): online 1000, offline 1000"), md);
        assertTrue(md.contains("Every check compares arms with equal label budgets."), md);
        assertTrue(md.contains("Claim holds: yes"), md);
        assertTrue(md.contains("![Gold reward vs step"), md);
        assertTrue(md.contains("| online | 1 | yes | 30 / 30 | 1000 (200 + 800) | 0.697 |"), md);
        assertTrue(md.contains("| offline | 1 | yes | 30 / 30 | 1000 (1000 + 0) | 0.600 |"), md);
        assertTrue(md.indexOf("| online | 3 |") < md.indexOf("| offline | 1 |"), "runs sorted by arm, then seed");
        String html = Files.readString(dir.resolve("index.html"));
        assertTrue(html.contains("<td>0.712 ± 0.015</td>"), html);
        assertTrue(html.contains("<img src=\"gold_vs_kl.png\""), html);
        assertTrue(html.contains("<style>"), html);

        var csv = Files.readAllLines(dir.resolve("runs.csv"));
        assertEquals(7, csv.size());
        var header = List.of(csv.get(0).split(","));
        assertEquals(List.of("arm", "seed", "run_dir"), header.subList(0, 3));
        var row = List.of(csv.get(4).split(",", -1)); // online seeds 1–3, then offline seed 1
        assertEquals("offline", row.get(0));
        assertEquals("", row.get(header.indexOf("time_to_target_s")), "not reached: empty");
        assertEquals("false", row.get(header.indexOf("reached_target")));
        assertEquals("0.6", row.get(header.indexOf("gold_within_kl")));
        JsonNode runsJson = JSON.readTree(dir.resolve("runs.json").toFile());
        assertEquals(6, runsJson.size());
        assertEquals(9.3125, runsJson.get(2).get("time_to_target_s").asDouble(), 1e-12); // online seed 3
        assertEquals(0.25, runsJson.get(0).get("trainer_idle_fraction").asDouble(), 1e-12);
    }

    @Test
    void plotsWithoutDataAreSkippedAndSaySo() throws Exception {
        var bare = new ArrayList<RunResult>();
        for (RunResult r : runs()) {
            ObjectNode s = r.summary().deepCopy();
            s.remove("online_started_ms");
            bare.add(new RunResult(r.arm(), r.seed(), r.runDir(), s, JSON.createArrayNode()));
        }
        var spec = spec(ARMS, List.of(check("final_gold_reward", Direction.HIGHER)));
        ExperimentReport.write(spec, bare, dir);
        assertFalse(Files.exists(dir.resolve("gold_vs_step.png")));
        assertFalse(Files.exists(dir.resolve("gold_vs_wall.png")));
        assertTrue(Files.exists(dir.resolve("gold_vs_kl.png")), "final means still make a frontier");
        String md = Files.readString(dir.resolve("report.md"));
        assertTrue(md.contains("`gold_vs_step.png`: Not drawn: no run has evaluations with a gold reward."), md);
        assertTrue(md.contains("`gold_vs_wall.png`: Not drawn: the runs do not report `online_started_ms`."), md);
    }
}
