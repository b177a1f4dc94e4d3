package io.prefstream.launcher;

import io.prefstream.model.LmConfig;
import io.prefstream.model.checkpoint.Checkpoints;
import io.prefstream.model.eval.PolicyEvaluator;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.tokenizer.Tokenizers;
import io.prefstream.model.train.Sft;
import io.prefstream.model.train.SftOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code prefstream sft}: train the reference policy π_ref and save it as a checkpoint. The model
 * is the task's (the built-in GPT for arithmetic, a Llama with a word-level tokenizer for
 * sentiment) or, with {@code --policy}, a Hugging Face model folder to fine-tune; a Hugging Face
 * family is saved as a complete Hugging Face folder.
 */
@Command(
        name = "sft",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        header = "Train the reference policy pi_ref by supervised fine-tuning.",
        description = {
            "Train the reference policy (pi_ref) by supervised fine-tuning on a task's corpus",
            "(deliberately noisy for arithmetic) and save a verified checkpoint; a Llama/Qwen2/GPT-2",
            "policy is saved as a Hugging Face folder (config.json, model.safetensors, tokenizer.json)."
        })
public final class SftCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--task", description = "Task name: arithmetic or sentiment.", defaultValue = "arithmetic")
    String task;

    @Option(names = "--out", required = true, description = "Checkpoint directory to write (replaced atomically).")
    Path out;

    @Option(
            names = "--policy",
            paramLabel = "DIR",
            description = "Start from this Hugging Face model folder (or checkpoint) instead of a fresh task model.")
    Path policy;

    @Option(
            names = "--profile",
            defaultValue = "default",
            description = "Model and SFT sizes of the task: " + RunProfile.NAMES + ".")
    String profile;

    @Option(
            names = "--steps",
            description = "Optimizer steps; default: the profile's (arithmetic 1500, sentiment 550).")
    Integer steps;

    @Option(names = "--seed", description = "Seed for weights, corpus and minibatches.", defaultValue = "0")
    long seed;

    @Option(names = "--device", description = "auto|cpu|gpu.", defaultValue = "auto")
    String device;

    @Option(names = "--batch-size", description = "Examples per step; default: the profile's.")
    Integer batchSize;

    @Option(names = "--lr", description = "Peak learning rate (warm-up + cosine); default: the profile's.")
    Double lr;

    @Option(names = "--corpus-size", description = "SFT examples drawn from the task; default: the profile's.")
    Integer corpusSize;

    @Option(
            names = "--eval-n",
            description = "Held-out prompts for the final evaluation (at most the task's).",
            defaultValue = "500")
    int evalN;

    @Override
    public Integer call() {
        var taskImpl = FlagValues.task(task);
        var runProfile = RunProfile.forTask(profile, task);
        var deviceChoice = FlagValues.device(device).resolve();
        SftOptions base = runProfile.sft();
        var options = new SftOptions(
                steps != null ? steps : base.steps(),
                batchSize != null ? batchSize : base.batchSize(),
                lr != null ? lr : base.lr(),
                Math.max(1, Math.min(base.warmupSteps(), (steps != null ? steps : base.steps()) / 10)),
                base.minLrRatio(),
                base.adamW(),
                seed);
        int corpus = corpusSize != null ? corpusSize : runProfile.sftCorpus();
        if (corpus < 1) {
            throw new UsageException("--corpus-size must be at least 1, found " + corpus);
        }
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        try (CausalLm model = initial(taskImpl, runProfile, deviceChoice)) {
            LmConfig config = model.config();
            stdout.printf(
                    Locale.ROOT,
                    "SFT %s on a %s model (%,d parameters, tokenizer %s): %d steps x %d examples, " + "device %s%n",
                    task,
                    config.family().id(),
                    model.parameters().parameterCount(),
                    model.tokenizer().id(),
                    options.steps(),
                    options.batchSize(),
                    deviceChoice);
            stdout.flush();
            var summary =
                    Sft.train(model, taskImpl.sftCorpus(seed, corpus), options, new TrainingProgressBar(stderr, "sft"));
            var report = new PolicyEvaluator(taskImpl)
                    .evaluate(
                            model,
                            null,
                            new PolicyEvaluator.Options(Math.min(evalN, taskImpl.evalPromptCount()), 1.0, seed));
            var manifest = Checkpoints.save(
                    out,
                    model,
                    null,
                    Map.of(
                            "role",
                            "reference",
                            "task",
                            task,
                            "sft_steps",
                            Integer.toString(options.steps()),
                            "seed",
                            Long.toString(seed)),
                    true);
            stdout.printf(Locale.ROOT, "steps            %d%n", summary.steps());
            stdout.printf(
                    Locale.ROOT,
                    "final loss       %.4f (first %.4f)%n",
                    summary.finalLoss(),
                    summary.lossCurve().get(0));
            stdout.printf(
                    Locale.ROOT, "time             %.1f s (%.1f it/s)%n", summary.seconds(), summary.stepsPerSecond());
            stdout.printf(
                    Locale.ROOT,
                    "held-out (n=%d, temperature 1): %sgold reward %.3f, mean length %.2f%n",
                    report.n(),
                    Double.isNaN(report.accuracy())
                            ? ""
                            : String.format(Locale.ROOT, "accuracy %.3f, ", report.accuracy()),
                    report.goldRewardMean(),
                    report.meanLength());
            for (var sample :
                    report.samples().subList(0, Math.min(3, report.samples().size()))) {
                stdout.printf(
                        Locale.ROOT,
                        "  sample: %s | %s  [%.2f]%n",
                        sample.prompt(),
                        sample.response(),
                        sample.goldReward());
            }
            stdout.printf(
                    Locale.ROOT,
                    "checkpoint       %s (sha256 %s)%s%n",
                    out.toAbsolutePath(),
                    manifest.weightsSha256(),
                    config.family().huggingFace()
                            ? "; a Hugging Face folder (model.safetensors, config.json, tokenizer.json)"
                            : "");
        }
        return 0;
    }

    private CausalLm initial(io.prefstream.tasks.Task taskImpl, RunProfile runProfile, ai.djl.Device deviceChoice) {
        if (policy != null) {
            return Checkpoints.loadPolicy(PolicyOption.requireFolder(policy, "--policy"), deviceChoice);
        }
        var tokenizer = Tokenizers.forSpec(taskImpl.tokenizerSpec());
        return CausalLm.create(runProfile.model().apply(tokenizer.vocabSize()), tokenizer, deviceChoice, seed);
    }
}
