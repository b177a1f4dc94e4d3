package io.prefstream.launcher;

import io.prefstream.model.DeviceSetting;
import io.prefstream.model.LmConfig;
import io.prefstream.model.checkpoint.Checkpoints;
import io.prefstream.model.eval.PolicyEvaluator;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.tokenizer.Tokenizers;
import io.prefstream.model.train.AdamWOptions;
import io.prefstream.model.train.Sft;
import io.prefstream.model.train.SftOptions;
import io.prefstream.tasks.Tasks;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code prefstream sft}: train the reference policy π_ref and save it as a checkpoint. */
@Command(name = "sft", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = {"Train the reference policy (pi_ref) by supervised fine-tuning on a task's corpus",
                "(deliberately noisy for arithmetic) and save a verified checkpoint."})
public final class SftCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--task", description = "Task name.", defaultValue = "arithmetic")
    String task;

    @Option(names = "--out", required = true, description = "Checkpoint directory to write (replaced atomically).")
    Path out;

    @Option(names = "--steps", description = "Optimizer steps.", defaultValue = "1500")
    int steps;

    @Option(names = "--seed", description = "Seed for weights, corpus and minibatches.", defaultValue = "0")
    long seed;

    @Option(names = "--device", description = "auto|cpu|gpu.", defaultValue = "auto")
    String device;

    @Option(names = "--batch-size", description = "Examples per step.", defaultValue = "64")
    int batchSize;

    @Option(names = "--lr", description = "Peak learning rate (warm-up + cosine).", defaultValue = "3e-3")
    double lr;

    @Option(names = "--corpus-size", description = "SFT examples drawn from the task.", defaultValue = "20000")
    int corpusSize;

    @Option(names = "--eval-n", description = "Held-out prompts for the final evaluation.", defaultValue = "500")
    int evalN;

    @Override
    public Integer call() {
        var taskImpl = Tasks.byName(task);
        var deviceChoice = DeviceSetting.parse(device).resolve();
        var tokenizer = Tokenizers.forSpec(taskImpl.tokenizerSpec());
        var config = LmConfig.arithmetic(tokenizer.vocabSize());
        var options = new SftOptions(steps, batchSize, lr, Math.max(1, Math.min(100, steps / 10)), 0.1,
                AdamWOptions.defaults(), seed);
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        stdout.printf(Locale.ROOT, "SFT %s on %s: %,d parameters, %d steps x %d examples, device %s%n", task,
                config, config.lmParameterCount(), steps, batchSize, deviceChoice);
        stdout.flush();
        try (CausalLm policy = CausalLm.create(config, tokenizer, deviceChoice, seed)) {
            var summary = Sft.train(policy, taskImpl.sftCorpus(seed, corpusSize), options,
                    new TrainingProgressBar(stderr, "sft"));
            var report = new PolicyEvaluator(taskImpl).evaluate(policy, null,
                    new PolicyEvaluator.Options(Math.min(evalN, taskImpl.evalPromptCount()), 1.0, seed));
            var manifest = Checkpoints.save(out, policy, null, Map.of("role", "reference", "task", task,
                    "sft_steps", Integer.toString(steps), "seed", Long.toString(seed)));
            stdout.printf(Locale.ROOT, "steps            %d%n", summary.steps());
            stdout.printf(Locale.ROOT, "final loss       %.4f (first %.4f)%n", summary.finalLoss(), summary.lossCurve().get(0));
            stdout.printf(Locale.ROOT, "time             %.1f s (%.1f it/s)%n", summary.seconds(), summary.stepsPerSecond());
            stdout.printf(Locale.ROOT, "held-out (n=%d, temperature 1): accuracy %.3f, gold reward %.3f, mean length %.2f%n",
                    report.n(), report.accuracy(), report.goldRewardMean(), report.meanLength());
            stdout.printf(Locale.ROOT, "checkpoint       %s (sha256 %s)%n", out.toAbsolutePath(), manifest.weightsSha256());
        }
        return 0;
    }
}
