package io.prefstream.launcher;

import io.prefstream.model.checkpoint.Checkpoints;
import io.prefstream.model.eval.PolicyEvaluator;
import io.prefstream.model.lm.CausalLm;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code prefstream eval}: held-out evaluation of a policy checkpoint, optionally against a reference. */
@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        header = "Evaluate a policy on held-out prompts: gold reward, accuracy, KL, win rate.",
        description = {
            "Sample one response per held-out prompt and report gold reward, exact accuracy and",
            "mean length; with --reference also KL(pi||pi_ref) (Monte-Carlo and exact per-token) and",
            "the win rate against the reference by gold reward (ties count half)."
        })
public final class EvalCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--policy",
            required = true,
            paramLabel = "DIR",
            description = "Policy: a checkpoint directory or a Hugging Face model folder.")
    Path policy;

    @Option(names = "--task", description = "Task name.", defaultValue = "arithmetic")
    String task;

    @Option(
            names = "--reference",
            paramLabel = "DIR",
            description = "Reference policy (checkpoint or Hugging Face folder) for KL and win rate.")
    Path reference;

    @Option(names = "--n", description = "Held-out prompts to evaluate.", defaultValue = "200")
    int n;

    @Option(names = "--temperature", description = "Sampling temperature.", defaultValue = "1.0")
    double temperature;

    @Option(names = "--seed", description = "Sampling seed.", defaultValue = "0")
    long seed;

    @Option(names = "--device", description = "auto|cpu|gpu.", defaultValue = "auto")
    String device;

    @Option(names = "--json", description = "Print one JSON object as the last line.")
    boolean json;

    @Override
    public Integer call() {
        var taskImpl = FlagValues.task(task);
        if (n < 1 || n > taskImpl.evalPromptCount()) {
            throw new UsageException("--n must be in [1, " + taskImpl.evalPromptCount() + "] (the held-out "
                    + "prompts of task " + task + "), found " + n);
        }
        Path policyDir = PolicyOption.requireFolder(policy, "--policy");
        Path referenceDir = reference == null ? null : PolicyOption.requireFolder(reference, "--reference");
        var deviceChoice = FlagValues.device(device).resolve();
        PrintWriter out = spec.commandLine().getOut();
        try (CausalLm pi = Checkpoints.loadPolicy(policyDir, deviceChoice);
                CausalLm ref = referenceDir == null ? null : Checkpoints.loadPolicy(referenceDir, deviceChoice)) {
            var report =
                    new PolicyEvaluator(taskImpl).evaluate(pi, ref, new PolicyEvaluator.Options(n, temperature, seed));
            out.printf(Locale.ROOT, "task %s, %d held-out prompts, temperature %.2f%n", task, report.n(), temperature);
            out.printf(Locale.ROOT, "gold reward mean   %.4f%n", report.goldRewardMean());
            if (!Double.isNaN(report.accuracy())) {
                out.printf(Locale.ROOT, "exact accuracy     %.4f%n", report.accuracy());
            }
            out.printf(Locale.ROOT, "mean length        %.2f tokens%n", report.meanLength());
            report.klMonteCarlo().ifPresent(v -> out.printf(Locale.ROOT, "KL(pi||ref) MC     %.4f nats%n", v));
            report.klExact().ifPresent(v -> out.printf(Locale.ROOT, "KL(pi||ref) exact  %.4f nats%n", v));
            report.winRate().ifPresent(v -> out.printf(Locale.ROOT, "win rate vs ref    %.4f%n", v));
            if (json) {
                out.println(report.toJson());
            }
            out.flush();
        }
        return 0;
    }
}
