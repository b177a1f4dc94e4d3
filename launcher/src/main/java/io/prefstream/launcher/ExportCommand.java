package io.prefstream.launcher;

import ai.djl.ndarray.NDManager;
import io.prefstream.model.checkpoint.CheckpointManifest;
import io.prefstream.model.checkpoint.Checkpoints;
import io.prefstream.model.hf.HuggingFace;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.nn.NoGrad;
import io.prefstream.model.nn.TokenBatch;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code prefstream export}: writes a trained policy as a Hugging Face folder (config.json,
 * model.safetensors, tokenizer.json, generation_config.json) that transformers and vLLM load as
 * they are, then re-imports it and checks that its logits are bit-identical.
 */
@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        header = "Write a policy checkpoint as a verified Hugging Face model folder.",
        description = {
            "Write a policy checkpoint as a Hugging Face model folder (config.json, model.safetensors,",
            "tokenizer.json, generation_config.json) and verify that re-importing it gives bit-identical",
            "logits. --checkpoint is a checkpoint directory or a policy version found under --checkpoint-dir."
        })
public final class ExportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--checkpoint",
            required = true,
            paramLabel = "DIR|VERSION",
            description = "A checkpoint directory, or the policy version of one under --checkpoint-dir.")
    String checkpoint;

    @Option(
            names = "--checkpoint-dir",
            defaultValue = "checkpoints",
            paramLabel = "DIR",
            description = "The trainer's checkpoint directory (trainer.checkpoint-dir, e.g. runs/<run>/checkpoints), "
                    + "searched when --checkpoint is a version.")
    Path checkpointDir;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "DIR",
            description = "Folder to write (created; must be " + "empty or absent).")
    Path out;

    @Option(names = "--device", defaultValue = "auto", description = "auto|cpu|gpu.")
    String device;

    @Override
    public Integer call() throws IOException {
        Path source = resolve();
        if (Files.isDirectory(out)) {
            try (var files = Files.list(out)) {
                if (files.findAny().isPresent()) {
                    throw new UsageException("--out " + out + " is not empty; expected an empty or absent folder");
                }
            }
        }
        PrintWriter stdout = spec.commandLine().getOut();
        var dev = FlagValues.device(device).resolve();
        try (CausalLm policy = Checkpoints.loadPolicy(source, dev)) {
            if (!policy.config().family().huggingFace()) {
                throw new UsageException("--checkpoint " + checkpoint + " holds the built-in "
                        + policy.config().family().id() + " model (character tokenizer), which has no Hugging Face "
                        + "architecture; export needs a policy trained from a llama, qwen2 or gpt2 folder (--policy)");
            }
            HuggingFace.export(policy, out);
            try (CausalLm back = HuggingFace.load(out, dev)) {
                float[] a = probeLogits(policy);
                float[] b = probeLogits(back);
                if (!Arrays.equals(a, b)) {
                    throw new IllegalStateException(
                            "re-imported " + out + " gives different logits; the export is broken");
                }
            }
            stdout.printf(
                    Locale.ROOT,
                    "exported %s (%s, %,d parameters) to %s%n",
                    source,
                    policy.config().family().id(),
                    policy.parameters().parameterCount(),
                    out.toAbsolutePath());
            stdout.printf(
                    Locale.ROOT,
                    "verified: re-imported logits are bit-identical; load it with%n"
                            + "  AutoModelForCausalLM.from_pretrained(\"%s\"); AutoTokenizer.from_pretrained(\"%s\")%n",
                    out.toAbsolutePath(),
                    out.toAbsolutePath());
        }
        return 0;
    }

    private Path resolve() throws IOException {
        Path asDir = Path.of(checkpoint);
        if (Files.isDirectory(asDir)) {
            return PolicyOption.requireFolder(asDir, "--checkpoint");
        }
        long version;
        try {
            version = Long.parseLong(checkpoint.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(
                    "--checkpoint " + checkpoint + ": no such directory, and not a policy " + "version number");
        }
        if (!Files.isDirectory(checkpointDir)) {
            throw new UsageException("--checkpoint-dir " + checkpointDir + ": no such directory; point it at "
                    + "the trainer's checkpoints (e.g. runs/<run>/checkpoints)");
        }
        var byVersion = new TreeMap<Long, Path>();
        List<Path> dirs;
        try (var list = Files.list(checkpointDir)) {
            dirs = new ArrayList<>(list.filter(p -> Files.isRegularFile(p.resolve(Checkpoints.MANIFEST)))
                    .sorted()
                    .toList());
        }
        for (Path d : dirs) {
            CheckpointManifest m = Checkpoints.readManifest(d);
            String v = m.metadata().get("policy_version");
            if (v != null
                    && m.metadata().getOrDefault("step", "").equals(m.metadata().get("published_step"))) {
                byVersion.putIfAbsent(Long.parseLong(v), d);
            }
        }
        Path found = byVersion.get(version);
        if (found == null) {
            throw new UsageException("--checkpoint " + version + ": no checkpoint of policy version " + version
                    + " in " + checkpointDir + "; versions there: " + byVersion.keySet()
                    + " (older ones are pruned by trainer.checkpoint-retention)");
        }
        return found;
    }

    private static float[] probeLogits(CausalLm lm) {
        int v = lm.tokenizer().vocabSize();
        int len = Math.min(8, lm.config().maxSeqLen());
        int[] row = new int[len];
        for (int i = 0; i < len; i++) {
            row[i] = (i * 7919 + 13) % v;
        }
        var batch = TokenBatch.leftPadded(List.of(row), lm.tokenizer().pad());
        try (NoGrad ignored = NoGrad.enter();
                NDManager s = NDManager.newBaseManager(lm.device(), "PyTorch")) {
            return lm.logits(batch.tokens(s), batch.positions(s), batch.keyMask(s), null)
                    .toFloatArray();
        }
    }
}
