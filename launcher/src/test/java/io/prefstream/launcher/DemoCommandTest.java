package io.prefstream.launcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code prefstream demo} end to end on the embedded broker, in-process. */
class DemoCommandTest {

    @TempDir
    Path dir;

    @Test
    void tinyDemoImprovesOnTheReferenceAndWritesTheReport() throws Exception {
        Path run = dir.resolve("run");
        var result = Cli.run(
                "demo",
                "--profile",
                "tiny",
                "--json",
                "--data-dir",
                run.toString(),
                "--cache-dir",
                TestCache.DIR.toString());
        assertEquals(0, result.exitCode(), result.out() + result.err());

        JsonNode summary = new ObjectMapper().readTree(result.lastLine());
        for (String field : List.of(
                "reference_gold_reward",
                "final_gold_reward",
                "reference_accuracy",
                "final_accuracy",
                "kl",
                "policy_versions",
                "steps",
                "elapsed_s",
                "dead_letters",
                "report_dir")) {
            assertTrue(summary.hasNonNull(field), "missing " + field + " in " + summary);
        }
        assertTrue(summary.get("completed").asBoolean(), summary.toString());
        assertEquals(RunProfile.named("tiny").steps(), summary.get("steps").asLong());
        assertTrue(summary.get("policy_versions").asLong() >= 2, summary.toString());
        assertTrue(
                summary.get("final_accuracy").asDouble()
                                > summary.get("reference_accuracy").asDouble()
                        || summary.get("final_gold_reward").asDouble()
                                > summary.get("reference_gold_reward").asDouble(),
                "no improvement over pi_ref: " + summary);
        assertTrue(summary.get("kl").asDouble() > 0, "the policy did not move: " + summary);
        assertEquals(0, summary.get("dead_letters").asLong(), summary.toString());
        // online only (fraction 1): every step consumed 16 groups of K = 8 gold-scored completions
        assertEquals(
                RunProfile.named("tiny").steps() * 16 * 8,
                summary.get("labels_used").asLong(),
                summary.toString());
        assertEquals(0, summary.get("offline_labels").asLong(), summary.toString());
        double idle = summary.get("trainer_idle_fraction").asDouble();
        assertTrue(idle >= 0 && idle < 1, summary.toString());

        Path report = Path.of(summary.get("report_dir").asText());
        assertEquals(run.resolve("report").toAbsolutePath(), report);
        for (String file : List.of(
                "index.html",
                "summary.json",
                "metrics.csv",
                "metrics.json",
                "gold_reward_vs_step.png",
                "gold_reward_vs_kl.png")) {
            assertTrue(Files.size(report.resolve(file)) > 0, file + " missing or empty");
        }
        byte[] png = Arrays.copyOf(Files.readAllBytes(report.resolve("gold_reward_vs_step.png")), 4);
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, png);
        String html = Files.readString(report.resolve("index.html"));
        assertTrue(
                html.contains("src=\"gold_reward_vs_step.png\"") && html.contains("src=\"gold_reward_vs_kl.png\""),
                html);
        List<String> csv = Files.readAllLines(report.resolve("metrics.csv"));
        assertEquals(
                RunProfile.named("tiny").steps(),
                csv.stream().filter(l -> l.startsWith("TRAIN,")).count(),
                "one TRAIN record per step");
        assertTrue(csv.stream().filter(l -> l.startsWith("EVAL,")).count() >= 2, "evaluations at start and end");
        assertTrue(Files.readString(run.resolve("prefstream.log")).contains("Trainer started"));
        assertTrue(result.out().contains("exact accuracy"), result.out());
        long bytes = summary.get("run_dir_bytes").asLong();
        assertTrue(bytes > 100_000, "broker log, checkpoints and report: " + bytes + " bytes");
        assertTrue(
                result.out()
                        .contains("run directory " + run + ": " + RunDirectory.humanSize(bytes)
                                + " (delete old runs with 'prefstream clean')"),
                result.out());
    }

    /**
     * A Hugging Face folder (transformers' own tiny Llama) through every service: generator sampling
     * and hot swaps, rule labels, trainer checkpoints that are Hugging Face folders (export-hf), and
     * the final evaluation; the trained policy loads as a Hugging Face folder again.
     */
    @Test
    void aHuggingFacePolicyRunsThroughEveryService() throws Exception {
        Path run = dir.resolve("hf");
        Path llama =
                Path.of("../model/src/test/resources/hf/llama").toAbsolutePath().normalize();
        var result = Cli.run(
                "demo",
                "--profile",
                "tiny",
                "--policy",
                llama.toString(),
                "--steps",
                "10",
                "--json",
                "--set",
                "trainer.export-hf=true",
                "--set",
                "trainer.eval-prompts=16",
                "--data-dir",
                run.toString(),
                "--cache-dir",
                TestCache.DIR.toString());
        assertEquals(0, result.exitCode(), result.out() + result.err());
        JsonNode summary = new ObjectMapper().readTree(result.lastLine());
        assertTrue(summary.get("completed").asBoolean(), summary.toString());
        assertEquals(10, summary.get("steps").asLong());
        assertTrue(summary.get("policy_versions").asLong() >= 2, summary.toString());
        assertEquals(0, summary.get("dead_letters").asLong(), summary.toString());
        assertTrue(summary.get("kl").asDouble() > 0, "the policy did not move: " + summary);
        assertTrue(result.out().contains("π_ref is " + llama + " (llama, 143,680 parameters"), result.out());
        Path last;
        try (var steps = Files.list(run.resolve("checkpoints"))) {
            last = steps.filter(p -> p.getFileName().toString().startsWith("step-"))
                    .sorted()
                    .reduce((a, b) -> b)
                    .orElseThrow();
        }
        assertTrue(io.prefstream.model.hf.HuggingFace.isModelFolder(last), last + " is a Hugging Face folder");
        try (var trained = io.prefstream.model.hf.HuggingFace.load(last, ai.djl.Device.cpu())) {
            assertEquals("llama", trained.config().family().id());
        }
    }

    /**
     * The sentiment task end to end at the tiny profile: a word-level Llama π_ref trained by SFT and
     * cached as a Hugging Face folder, online DPO against the VADER gold reward, and a report whose
     * sample table shows the same prompts continued by π_ref and the final policy.
     */
    @Test
    void sentimentDemoRunsWithALlamaReferenceAndReportsSamples() throws Exception {
        Path run = dir.resolve("sentiment");
        var result = Cli.run(
                "demo",
                "--task",
                "sentiment",
                "--profile",
                "tiny",
                "--json",
                "--data-dir",
                run.toString(),
                "--cache-dir",
                TestCache.DIR.toString());
        assertEquals(0, result.exitCode(), result.out() + result.err());
        JsonNode summary = new ObjectMapper().readTree(result.lastLine());
        assertTrue(summary.get("completed").asBoolean(), summary.toString());
        assertEquals("sentiment", summary.get("task").asText());
        assertTrue(summary.get("reference_accuracy").isNull(), "sentiment has no exact answers: " + summary);
        double gold = summary.get("final_gold_reward").asDouble();
        assertTrue(gold > 0 && gold < 1, summary.toString());
        assertTrue(summary.get("kl").asDouble() > 0, "the policy did not move: " + summary);
        assertEquals(0, summary.get("dead_letters").asLong(), summary.toString());
        String html = Files.readString(run.resolve("report/index.html"));
        assertTrue(html.contains("<h2>Sample continuations</h2>"), html);
        String table = html.substring(html.indexOf("<h2>Sample continuations</h2>"));
        table = table.substring(0, table.indexOf("</table>"));
        assertEquals(
                1 + io.prefstream.model.eval.EvalReport.SAMPLES,
                table.split("<tr>", -1).length - 1,
                "a header and one row per sample");
        assertTrue(!html.contains("accuracy_vs_step.png"), "no accuracy plot for a task without exact answers");
        assertTrue(!result.out().contains("NaN"), result.out());
    }

    @Test
    void stoppedRunClosesEverythingAndStillWritesTheReport() throws Exception {
        Path run = dir.resolve("stopped");
        var command = new DemoCommand();
        var cli = new picocli.CommandLine(command);
        var out = new java.io.StringWriter();
        cli.setOut(new java.io.PrintWriter(out, true));
        cli.setErr(new java.io.PrintWriter(out, true));
        var exit = java.util.concurrent.CompletableFuture.supplyAsync(() -> cli.execute(
                "--profile",
                "tiny",
                "--json",
                "--steps",
                "100000",
                "--data-dir",
                run.toString(),
                "--cache-dir",
                TestCache.DIR.toString()));
        command.online().get(5, java.util.concurrent.TimeUnit.MINUTES);
        Thread.sleep(8000); // some training happens
        command.requestStop(); // what Ctrl-C does
        assertEquals(0, exit.get(3, java.util.concurrent.TimeUnit.MINUTES), out.toString());

        String text = out.toString();
        assertTrue(text.contains("stopping (Ctrl-C): closing services and writing the report..."), text);
        String[] lines = text.strip().split("\\R");
        JsonNode summary = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertTrue(!summary.get("completed").asBoolean(), summary.toString());
        assertTrue(summary.get("steps").asLong() < 100000, summary.toString());
        Path report = run.resolve("report");
        for (String file : List.of("index.html", "summary.json", "metrics.csv", "gold_reward_vs_step.png")) {
            assertTrue(Files.size(report.resolve(file)) > 0, file + " missing or empty");
        }
        assertTrue(
                Files.readString(run.resolve("prefstream.log")).contains("Trainer for policy policy stopped"),
                "services closed");
    }

    /**
     * The generator as a process of its own ({@code --generator-cpus}, what {@code experiment async}
     * uses): it follows the trainer's policy versions and its rollouts reach the trainer; offline
     * pairs in the mix are paid for by the offline set's labels.
     */
    @Test
    void aGeneratorProcessOnItsOwnCpusFeedsTheTrainer() throws Exception {
        Path run = dir.resolve("split");
        var result = Cli.run(
                "demo",
                "--profile",
                "tiny",
                "--json",
                "--steps",
                "12",
                "--online-fraction",
                "0.5",
                "--offline-prompts",
                "100",
                "--generator-cpus",
                "0",
                "--data-dir",
                run.toString(),
                "--cache-dir",
                TestCache.DIR.toString());
        assertEquals(0, result.exitCode(), result.out() + result.err());
        JsonNode summary = new ObjectMapper().readTree(result.lastLine());
        assertTrue(summary.get("completed").asBoolean(), summary.toString());
        assertTrue(
                summary.get("rollouts").asLong() >= 12 * 8, "the process's rollouts, counted on the topic: " + summary);
        assertEquals(100 * 4, summary.get("offline_labels").asLong(), "100 prompts x 4 pi_ref samples scored");
        assertEquals(12 * 8 * 8, summary.get("online_labels").asLong(), "12 steps x 8 online groups x K = 8");
        double idle = summary.get("generator_idle_fraction").asDouble();
        assertTrue(idle >= 0 && idle < 1, "read from the process's /metrics: " + summary);
        assertTrue(result.out().contains("generator process on CPUs 0"), result.out());
        assertTrue(
                Files.readString(run.resolve("generator.log")).contains("generator prefstream-generator"),
                "the process's own output");
    }

    @Test
    void generatorCpusAndOfflinePromptsAreChecked() {
        var cpus = Cli.run(
                "demo",
                "--generator-cpus",
                "first",
                "--data-dir",
                dir.resolve("a").toString());
        assertEquals(PrefstreamCommand.EXIT_USAGE, cpus.exitCode());
        assertTrue(
                cpus.err().contains("--generator-cpus: expected a CPU list such as 0, 0-3 or 0,2, found 'first'"),
                cpus.err());
        var absent = Cli.run(
                "demo",
                "--generator-cpus",
                "0,4096",
                "--data-dir",
                dir.resolve("c").toString());
        assertEquals(PrefstreamCommand.EXIT_USAGE, absent.exitCode());
        assertTrue(
                absent.err().contains("--generator-cpus 0,4096: CPU [4096] is not online on this machine"),
                absent.err());
        var prompts = Cli.run(
                "demo", "--offline-prompts", "0", "--data-dir", dir.resolve("b").toString());
        assertEquals(PrefstreamCommand.EXIT_USAGE, prompts.exitCode());
        assertTrue(prompts.err().contains("--offline-prompts must be at least 1, found 0"), prompts.err());
    }

    @Test
    void unknownAlgorithmIsRejectedWithTheKnownNames() {
        var result = Cli.run("demo", "--profile", "tiny", "--algo", "ppo", "--data-dir", dir.toString());
        assertEquals(PrefstreamCommand.EXIT_USAGE, result.exitCode());
        assertTrue(
                result.err().contains("unknown --algo 'ppo'; expected one of [dpo, cdpo, ipo, online-dpo, hypo"),
                result.err());
        assertTrue(result.err().contains("iterative-dpo"), result.err());
    }

    @Test
    void badOptionValuesAreUserErrors() {
        var mode = Cli.run("demo", "--mode", "sometimes", "--data-dir", dir.toString());
        assertEquals(PrefstreamCommand.EXIT_USAGE, mode.exitCode());
        assertTrue(mode.err().contains("--mode: expected streaming or iterative, found 'sometimes'"), mode.err());
        var labeling = Cli.run("demo", "--labeling", "crowd", "--data-dir", dir.toString());
        assertEquals(PrefstreamCommand.EXIT_USAGE, labeling.exitCode());
        assertTrue(labeling.err().contains("expected rule, reward-model or human"), labeling.err());
        assertEquals(
                2,
                labeling.err().strip().split("\\R").length,
                "the error and one usage line, no help text: " + labeling.err());
        assertTrue(
                labeling.err().contains("Usage: prefstream demo [OPTIONS]; see 'prefstream demo --help'"),
                labeling.err());
        var fraction = Cli.run("demo", "--online-fraction", "1.5", "--data-dir", dir.toString());
        assertEquals(PrefstreamCommand.EXIT_USAGE, fraction.exitCode());
        assertTrue(fraction.err().contains("--online-fraction must be in [0, 1], found 1.5"), fraction.err());
    }

    /** Issue 16: a demo in an old run's directory resumed its trainer and overwrote its report. */
    @Test
    void aDataDirThatHoldsARunIsRefusedAndLeftAsItWas() throws Exception {
        Path old = Files.createDirectories(
                        dir.resolve("old").resolve("checkpoints").resolve("step-800"))
                .getParent()
                .getParent();
        Path csv =
                Files.writeString(Files.createDirectories(old.resolve("report")).resolve("metrics.csv"), "TRAIN,800\n");
        var result = Cli.run(
                "demo",
                "--profile",
                "tiny",
                "--steps",
                "20",
                "--json",
                "--data-dir",
                old.toString(),
                "--cache-dir",
                TestCache.DIR.toString());
        assertEquals(PrefstreamCommand.EXIT_USAGE, result.exitCode(), result.out() + result.err());
        assertTrue(
                result.err().contains("--data-dir " + old + " already holds a run (found checkpoints, report)"),
                result.err());
        assertTrue(result.err().contains("Give a new directory"), result.err());
        JsonNode last = new ObjectMapper().readTree(result.lastLine());
        assertTrue(last.get("error").asText().contains("already holds a run"), last.toString());
        assertTrue(!last.get("completed").asBoolean(), last.toString());
        assertEquals("TRAIN,800\n", Files.readString(csv));
        assertTrue(!Files.exists(old.resolve("prefstream.log")), "nothing written to the old run");
    }

    /** Issue 16: {@code --set trainer.beta=-1} failed after start-up, naming a flag that does not exist. */
    @Test
    void aBadSetValueFailsBeforeAnythingStartsAndNamesTheUsersFlag() throws Exception {
        Path run = dir.resolve("beta");
        long started = System.nanoTime();
        var result = Cli.run(
                "demo",
                "--profile",
                "tiny",
                "--json",
                "--set",
                "trainer.beta=-1",
                "--data-dir",
                run.toString(),
                "--cache-dir",
                TestCache.DIR.toString());
        double seconds = (System.nanoTime() - started) / 1e9;
        assertEquals(PrefstreamCommand.EXIT_USAGE, result.exitCode(), result.out() + result.err());
        assertTrue(
                result.err()
                        .contains("Invalid value '-1' for trainer.beta (from flag --set trainer.beta=-1): "
                                + "expected a finite number > 0"),
                result.err());
        assertTrue(seconds < 5, "rejected after " + seconds + " s");
        assertTrue(!Files.exists(run), "nothing created");
        assertTrue(!result.out().contains("embedded Kafka"), result.out());
        JsonNode last = new ObjectMapper().readTree(result.lastLine());
        assertTrue(last.get("error").asText().contains("trainer.beta"), last.toString());
    }

    @Test
    void aMixThatCannotFeedTheObjectiveNamesTheUsersFlags() throws Exception {
        Path run = dir.resolve("mix");
        var result = Cli.run(
                "demo",
                "--profile",
                "tiny",
                "--json",
                "--algo",
                "hypo",
                "--online-fraction",
                "1",
                "--data-dir",
                run.toString(),
                "--cache-dir",
                TestCache.DIR.toString());
        assertEquals(PrefstreamCommand.EXIT_USAGE, result.exitCode(), result.out() + result.err());
        assertTrue(result.err().contains("--algo hypo with --online-fraction 1.0: "), result.err());
        assertTrue(result.err().contains("Change --online-fraction (now 1.0)"), result.err());
        assertTrue(!result.err().contains("batcher.online-fraction"), result.err());
        assertTrue(!Files.exists(run), "nothing created");
        assertTrue(new ObjectMapper()
                .readTree(result.lastLine())
                .get("error")
                .asText()
                .contains("--online-fraction"));
    }

    @Test
    void aMissingParentOfTheDataDirIsAnErrorAndNothingIsCreated() {
        Path run = dir.resolve("no").resolve("such").resolve("run");
        var result = Cli.run(
                "demo", "--profile", "tiny", "--data-dir", run.toString(), "--cache-dir", TestCache.DIR.toString());
        assertEquals(PrefstreamCommand.EXIT_USAGE, result.exitCode(), result.out() + result.err());
        assertTrue(
                result.err()
                        .contains(
                                "--data-dir " + run + ": the parent directory " + run.getParent() + " does not exist"),
                result.err());
        assertTrue(!Files.exists(dir.resolve("no")), "nothing created");
    }

    /** Issue 16: {@code demo --algo hypo} failed once Kafka ran; every objective must work with default flags. */
    @Test
    void everyObjectiveMakesAValidRunConfigurationWithDefaultFlags() {
        for (String name : io.prefstream.trainer.objective.Objectives.names()) {
            var command = new DemoCommand();
            new picocli.CommandLine(command)
                    .parseArgs(
                            "--algo",
                            name,
                            "--profile",
                            "tiny",
                            "--data-dir",
                            dir.resolve(name).toString(),
                            "--cache-dir",
                            TestCache.DIR.toString());
            DemoCommand.Plan plan;
            try {
                plan = command.plan();
            } catch (RuntimeException e) {
                throw new AssertionError("demo --algo " + name + ": " + e.getMessage(), e);
            }
            assertEquals(name, plan.configs().trainer().objective());
            double expected = name.equals("hypo") ? 0.5 : 1.0; // HyPO needs offline pairs and online groups
            assertEquals(expected, plan.configs().trainer().batcher().onlineFraction(), 1e-12, name);
        }
    }
}
