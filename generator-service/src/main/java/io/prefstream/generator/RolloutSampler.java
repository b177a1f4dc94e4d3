package io.prefstream.generator;

import io.prefstream.model.lm.Completion;
import io.prefstream.model.lm.Sampler;
import io.prefstream.model.lm.SamplingOptions;
import io.prefstream.schemas.FinishReason;
import io.prefstream.schemas.Prompt;
import io.prefstream.schemas.Rollout;
import io.prefstream.schemas.RolloutIds;
import io.prefstream.schemas.RolloutTimings;
import io.prefstream.schemas.SamplingParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * One micro-batch: K completions for each of B prompts in one batched KV-cache sampler run with
 * one policy version, assembled into B {@link Rollout}s. Both the service and the in-process
 * benchmark call this, so they sample identically.
 *
 * <p>Each prompt draws from its own seed {@link SamplingSeeds#of(long, String, long)}, so its
 * completions do not depend on the batch it landed in, and its rollout id is
 * {@code RolloutIds.of(promptId, version, seed)}: re-derivable from the record itself. Recorded
 * log-probs follow the sampler's contract: {@code log π(y|x) = Σ_t log softmax(z_t/τ + m)[y_t]} over
 * response tokens, EOS included.
 */
public final class RolloutSampler {

    /** A prompt ready to sample: the record, its input ids and when the generator received it. */
    public record Input(Prompt prompt, int[] tokens, long receivedNanos) {
        public Input {
            Objects.requireNonNull(prompt, "prompt");
            Objects.requireNonNull(tokens, "tokens");
        }
    }

    private final SamplingOptions options;
    private final int samplesPerPrompt;
    private final long generatorSeed;
    private final String generatorId;
    private final boolean recordTokenLogProbs;

    public RolloutSampler(
            SamplingOptions options,
            int samplesPerPrompt,
            long generatorSeed,
            String generatorId,
            boolean recordTokenLogProbs) {
        this.options = Objects.requireNonNull(options, "options");
        if (samplesPerPrompt < 1) {
            throw new IllegalArgumentException("samples per prompt must be >= 1, found " + samplesPerPrompt);
        }
        this.samplesPerPrompt = samplesPerPrompt;
        this.generatorSeed = generatorSeed;
        this.generatorId = Objects.requireNonNull(generatorId, "generatorId");
        this.recordTokenLogProbs = recordTokenLogProbs;
    }

    /** A sampler configured like the generator {@code config} describes. */
    public static RolloutSampler of(GeneratorConfig config) {
        return new RolloutSampler(
                config.samplingOptions(),
                config.samplesPerPrompt(),
                config.seed(),
                config.generatorId(),
                config.recordTokenLogProbs());
    }

    public int samplesPerPrompt() {
        return samplesPerPrompt;
    }

    /** The seed of {@code promptId} under {@code version}. */
    public long seedOf(String promptId, long version) {
        return SamplingSeeds.of(generatorSeed, promptId, version);
    }

    /**
     * Samples every input with {@code policy}; rollouts are in input order.
     *
     * @throws IllegalArgumentException when an input does not fit the model (callers validate with {@link PromptTokens})
     */
    public List<Rollout> sample(ServingPolicy policy, List<Input> inputs) {
        if (inputs.isEmpty()) {
            return List.of();
        }
        long version = policy.version();
        long[] seeds = inputs.stream()
                .mapToLong(in -> seedOf(in.prompt().getId(), version))
                .toArray();
        long started = System.nanoTime();
        List<Completion> completions = Sampler.sample(
                policy.model(), inputs.stream().map(Input::tokens).toList(), samplesPerPrompt, options, seeds);
        long finished = System.nanoTime();
        long samplingMs = (finished - started) / 1_000_000;
        long now = System.currentTimeMillis();
        var metadata = Map.of(
                "device",
                policy.model().device().toString(),
                "batch_prompts",
                Integer.toString(inputs.size()),
                "policy_sha256",
                policy.sha256());
        var out = new ArrayList<Rollout>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            Input in = inputs.get(i);
            var group = new ArrayList<io.prefstream.schemas.Completion>(samplesPerPrompt);
            for (int j = 0; j < samplesPerPrompt; j++) {
                Completion c = completions.get(i * samplesPerPrompt + j);
                if (c.promptIndex() != i || c.sampleIndex() != j) {
                    throw new IllegalStateException("sampler returned completion (" + c.promptIndex() + ", "
                            + c.sampleIndex() + ") at position (" + i + ", " + j + "); expected prompt-major order");
                }
                group.add(toRecord(j, c));
            }
            Prompt prompt = Prompt.newBuilder(in.prompt())
                    .setTokenIds(Arrays.stream(in.tokens()).boxed().toList())
                    .build();
            out.add(Rollout.newBuilder()
                    .setId(RolloutIds.of(prompt.getId(), version, seeds[i]))
                    .setPrompt(prompt)
                    .setCompletions(group)
                    .setPolicyVersion(version)
                    .setSampling(SamplingParams.newBuilder()
                            .setTemperature(options.temperature())
                            .setTopK(options.topK())
                            .setTopP(options.topP())
                            .setMaxNewTokens(options.maxNewTokens())
                            .setSeed(seeds[i])
                            .build())
                    .setGeneratorId(generatorId)
                    .setTimings(new RolloutTimings(Math.max(0, (started - in.receivedNanos()) / 1_000_000), samplingMs))
                    .setCreatedAtMs(now)
                    .setMetadata(metadata)
                    .build());
        }
        return out;
    }

    private io.prefstream.schemas.Completion toRecord(int index, Completion c) {
        List<Float> tokenLogProbs = null;
        if (recordTokenLogProbs) {
            float[] lp = c.tokenLogProbs();
            tokenLogProbs = IntStream.range(0, lp.length).mapToObj(t -> lp[t]).toList();
        }
        return io.prefstream.schemas.Completion.newBuilder()
                .setIndex(index)
                .setText(c.text())
                .setTokenIds(Arrays.stream(c.tokens()).boxed().toList())
                .setLogprob(c.logProb())
                .setTokenLogprobs(tokenLogProbs)
                .setLength(c.length())
                .setFinishReason(FinishReason.valueOf(c.finishReason().name()))
                .build();
    }
}
