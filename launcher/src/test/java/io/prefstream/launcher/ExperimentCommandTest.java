package io.prefstream.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prefstream.launcher.experiment.ExperimentSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code prefstream experiment}: the built-in specs check, and the tiny spec runs end to end and resumes. */
class ExperimentCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void everyBuiltInSpecPlansValidRuns() {
        for (String name : ExperimentSpec.BUILT_IN) {
            var result = Cli.run("experiment", name, "--plan");
            assertEquals(0, result.exitCode(), name + ": " + result.out() + result.err());
            var spec = ExperimentSpec.load(name, "SPEC");
            long runs = result.out()
                    .lines()
                    .filter(l -> l.contains("prefstream demo"))
                    .count();
            assertEquals(spec.arms().size() * spec.seeds().size(), runs, result.out());
            assertTrue(name.equals("smoke") || spec.seeds().size() >= 3, name + " has fewer than 3 seeds");
        }
    }

    /**
     * Two arms × two seeds of the tiny profile: the report's numbers are the runs' own (each arm's
     * mean and sample std of its runs' summary values), and running the command again keeps every
     * finished run and reruns only the one whose result was removed.
     */
    @Test
    void tinySpecRunsEndToEndReportsTheRunsNumbersAndResumes() throws Exception {
        Path out = dir.resolve("exp");
        var result = Cli.run(
                "experiment", "smoke", "--out", out.toString(), "--cache-dir", TestCache.DIR.toString(), "--json");
        assertEquals(0, result.exitCode(), result.out() + result.err());
        JsonNode verdict = JSON.readTree(result.lastLine());
        assertEquals("smoke", verdict.get("spec").asText());
        assertTrue(verdict.get("holds").isBoolean());
        Path report = out.resolve("report");
        assertEquals(
                report.toAbsolutePath().toString(), verdict.get("report_dir").asText());
        for (String file : List.of(
                "report.md",
                "index.html",
                "runs.csv",
                "runs.json",
                "experiment.json",
                "gold_vs_step.png",
                "kl_vs_step.png",
                "gold_vs_kl.png")) {
            assertTrue(Files.size(report.resolve(file)) > 0, file + " missing or empty");
        }
        String markdown = Files.readString(report.resolve("report.md"));
        var spec = ExperimentSpec.load("smoke", "SPEC");
        assertEquals(2, verdict.get("arms").size());
        for (JsonNode arm : verdict.get("arms")) {
            var a = spec.arm(arm.get("name").asText());
            var gold = new ArrayList<Double>();
            var kl = new ArrayList<Double>();
            var labels = new ArrayList<Double>();
            for (long seed : spec.seeds()) {
                JsonNode run = JSON.readTree(out.resolve("runs")
                                .resolve(a.slug())
                                .resolve("seed-" + seed)
                                .resolve("result.json")
                                .toFile())
                        .get("summary");
                assertTrue(run.get("completed").asBoolean(), run.toString());
                assertEquals(a.algo(), run.get("algo").asText());
                assertEquals(10, run.get("steps").asLong());
                gold.add(run.get("final_gold_reward").asDouble());
                kl.add(run.get("kl").asDouble());
                labels.add(run.get("labels_used").asDouble());
            }
            assertEquals(2, arm.get("seeds").asInt());
            assertEquals(a.algo(), arm.get("algo").asText());
            assertEquals(mean(gold), arm.get("final_gold_reward_mean").asDouble(), 1e-4, arm.toString());
            assertEquals(std(gold), arm.get("final_gold_reward_std").asDouble(), 1e-4, arm.toString());
            assertEquals(mean(kl), arm.get("kl_mean").asDouble(), 1e-4, arm.toString());
            assertEquals(std(kl), arm.get("kl_std").asDouble(), 1e-4, arm.toString());
            assertEquals(mean(labels), arm.get("labels_used").asDouble(), 1e-9, arm.toString());
            String row = "| " + a.name() + " | " + a.algo() + " | 2 | ";
            assertTrue(markdown.contains(row), "no table row for " + a.name() + ":\n" + markdown);
            String line =
                    markdown.lines().filter(l -> l.startsWith(row)).findFirst().orElseThrow();
            assertTrue(line.contains(String.format(Locale.ROOT, "%.3f ± %.3f", mean(gold), std(gold))), line);
            assertTrue(line.contains(String.format(Locale.ROOT, "%.3f ± %.3f", mean(kl), std(kl))), line);
        }
        // labels: the offline arm pays for the tiny profile's offline set (256 prompts x 4), the online
        // arm for 10 steps x 16 groups x K = 8
        assertEquals(1024, verdict.get("arms").get(0).get("labels_used").asDouble(), 0);
        assertEquals(1280, verdict.get("arms").get(1).get("labels_used").asDouble(), 0);
        assertTrue(result.out().contains("experiment smoke: run 4/4"), result.out());

        Path removed =
                out.resolve("runs").resolve("online-dpo").resolve("seed-2").resolve("result.json");
        String before = Files.readString(
                out.resolve("runs").resolve("offline-dpo").resolve("seed-1").resolve("result.json"));
        Files.delete(removed);
        var again = Cli.run(
                "experiment", "smoke", "--out", out.toString(), "--cache-dir", TestCache.DIR.toString(), "--json");
        assertEquals(0, again.exitCode(), again.out() + again.err());
        assertTrue(again.out().contains("resuming: 3 of 4 runs already have a result"), again.out());
        assertTrue(again.out().contains("run 4/4 (online DPO, seed 2) started"), again.out());
        assertFalse(again.out().contains("(offline DPO, seed 1) started"), again.out());
        assertTrue(Files.isRegularFile(removed), "the rerun wrote its result");
        assertEquals(
                before,
                Files.readString(out.resolve("runs")
                        .resolve("offline-dpo")
                        .resolve("seed-1")
                        .resolve("result.json")),
                "a finished run is kept as it was");
    }

    @Test
    void aSpecErrorNamesTheFieldBeforeAnythingRuns() throws Exception {
        Path spec = dir.resolve("bad.yaml");
        Files.writeString(spec, """
                name: bad
                claim: c
                seeds: [1, 2]
                steps: 5
                arms:
                  - {name: a, algo: online-dpo, options: {online-fraction: 2}}
                  - {name: b, algo: dpo}
                checks:
                  - {arm: a, baseline: b, metric: final_gold_reward, direction: higher}
                """);
        var result =
                Cli.run("experiment", spec.toString(), "--out", dir.resolve("o").toString());
        assertEquals(PrefstreamCommand.EXIT_USAGE, result.exitCode(), result.out() + result.err());
        assertTrue(
                result.err().contains("arm 'a'") && result.err().contains("--online-fraction must be in [0, 1]"),
                result.err());
        assertFalse(Files.exists(dir.resolve("o")), "nothing is created for a spec that fails its check");
    }

    private static double mean(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }

    private static double std(List<Double> xs) {
        double m = mean(xs);
        return Math.sqrt(xs.stream().mapToDouble(x -> (x - m) * (x - m)).sum() / (xs.size() - 1));
    }
}
