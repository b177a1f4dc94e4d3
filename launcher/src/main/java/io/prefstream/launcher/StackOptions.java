package io.prefstream.launcher;

import io.prefstream.model.DeviceSetting;
import io.prefstream.trainer.objective.Objectives;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options shared by the all-in-one commands ({@code demo}, {@code up}). */
public final class StackOptions {

    @Option(names = "--task", defaultValue = "arithmetic", description = "Task: prompts, gold reward, SFT corpus.")
    String task;

    @Option(
            names = "--policy",
            paramLabel = "DIR",
            description = "Start from this Hugging Face model folder (config.json, model.safetensors, tokenizer.json) "
                    + "or checkpoint as pi_ref instead of training one; the reference policy is the same folder.")
    Path policy;

    @Option(
            names = "--algo",
            defaultValue = "online-dpo",
            paramLabel = "OBJECTIVE",
            description = "Preference objective (trainer.objective): dpo, cdpo, ipo, online-dpo, hypo, exo-pair, "
                    + "exo-rw, dpo-rw, ais-dpo, ais-ipo; alias iterative-dpo.")
    String algo;

    @Option(
            names = "--labeling",
            defaultValue = "rule",
            paramLabel = "rule|reward-model|human",
            converter = LabelingConverter.class,
            description = "Who labels rollouts: the task's rule (gold reward), a reward model trained on pi_ref's "
                    + "ranked samples, or humans in the web UI.")
    Labeling labeling;

    @Option(
            names = "--profile",
            defaultValue = "default",
            description = "Sizes: " + RunProfile.NAMES + " (tiny: small and fast, for tests).")
    String profile;

    @Option(
            names = "--seed",
            defaultValue = "0",
            description = "Seed of pi_ref, the offline set, sampling and evaluation.")
    long seed;

    @Option(
            names = "--cache-dir",
            defaultValue = "runs/cache",
            description = "Cache of trained reference policies and reward models, shared by runs.")
    Path cacheDir;

    @Option(names = "--device", defaultValue = "auto", description = "Where models run: auto, cpu or gpu.")
    String device;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "Service settings file (.properties or .yaml) applied over the profile.")
    Path configFile;

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            mapFallbackValue = "",
            description = "Override one service setting (repeatable), e.g. --set trainer.beta=0.2.")
    Map<String, String> overrides = new LinkedHashMap<>();

    /** The objective, checked against the trainer's catalogue. */
    String objective() {
        String key = algo.trim().toLowerCase(java.util.Locale.ROOT);
        if (!Objectives.names().contains(key) && !Objectives.aliases().containsKey(key)) {
            throw new UsageException("unknown --algo '" + algo + "'; expected one of " + Objectives.names()
                    + " or an alias " + Objectives.aliases().keySet());
        }
        return key;
    }

    /**
     * Checks what can be checked before anything starts: {@code --policy} is a model folder, and
     * {@code --labeling reward-model} (the built-in reward model, warm-started from the built-in
     * policy) is not combined with a Hugging Face policy.
     */
    void validate() {
        Path dir = policyDir();
        boolean huggingFace = task.equals("sentiment")
                || dir != null
                        && io.prefstream.model.checkpoint.Checkpoints.readManifest(dir)
                                .config()
                                .family()
                                .huggingFace();
        if (labeling == Labeling.REWARD_MODEL && huggingFace) {
            throw new UsageException("--labeling reward-model trains the built-in reward model from the "
                    + "built-in policy; with a Hugging Face policy (--policy or --task sentiment) use --labeling rule "
                    + "or human");
        }
    }

    /** {@code --policy}, checked, or null. */
    Path policyDir() {
        return policy == null ? null : PolicyOption.requireFolder(policy, "--policy");
    }

    DeviceSetting deviceSetting() {
        return FlagValues.device(device);
    }

    /** Converts {@code rule}, {@code reward-model} and {@code human}. */
    static final class LabelingConverter implements picocli.CommandLine.ITypeConverter<Labeling> {
        @Override
        public Labeling convert(String value) {
            try {
                return Labeling.valueOf(
                        value.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(
                        "expected rule, reward-model or human, found '" + value + "'");
            }
        }
    }
}
