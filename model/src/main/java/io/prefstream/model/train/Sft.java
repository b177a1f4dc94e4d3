package io.prefstream.model.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.lm.LogProbs;
import io.prefstream.model.lm.ScoringBatch;
import io.prefstream.model.nn.NativeScalar;
import io.prefstream.tasks.SftExample;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Supervised fine-tuning of a policy on (prompt, response) examples:
 * {@code L = −(1/N) Σ_i Σ_{t ∈ response_i} log π(y_t | x_i, y_<t)} with N the number of response
 * tokens in the minibatch (EOS included), at temperature 1; AdamW with clipping and a warm-up +
 * cosine schedule. Minibatches are drawn with replacement by a generator seeded from the options,
 * so the same seed and initial weights reproduce the run.
 */
public final class Sft {

    private static final Logger LOG = LoggerFactory.getLogger(Sft.class);

    private Sft() {}

    public static SftSummary train(
            CausalLm policy, List<SftExample> corpus, SftOptions options, ProgressListener listener) {
        if (corpus.isEmpty()) {
            throw new IllegalArgumentException("SFT needs at least one example, found an empty corpus");
        }
        var tk = policy.tokenizer();
        var prompts = corpus.stream().map(e -> tk.encodePrompt(e.prompt())).toList();
        var responses =
                corpus.stream().map(e -> tk.encodeResponse(e.response())).toList();
        var schedule = new WarmupCosine(options.lr(), options.warmupSteps(), options.steps(), options.minLrRatio());
        var rng = new SplittableRandom(options.seed());
        var losses = new ArrayList<Double>(options.steps());
        long start = System.nanoTime();
        policy.setTrainable(true);
        try (AdamW optimizer = new AdamW(policy.parameters(), options.adamW());
                NDManager root = NDManager.newBaseManager(policy.device(), "PyTorch")) {
            for (int step = 0; step < options.steps(); step++) {
                var p = new ArrayList<int[]>(options.batchSize());
                var r = new ArrayList<int[]>(options.batchSize());
                int tokens = 0;
                for (int i = 0; i < options.batchSize(); i++) {
                    int j = rng.nextInt(corpus.size());
                    p.add(prompts.get(j));
                    r.add(responses.get(j));
                    tokens += responses.get(j).length;
                }
                var batch = ScoringBatch.of(p, r, tk.pad());
                double lr = schedule.lr(step);
                double loss;
                try (NDManager scope = root.newSubManager();
                        GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                    NDArray nll =
                            LogProbs.tokens(scope, policy, batch, 1.0).sum().neg();
                    nll = nll.div(NativeScalar.of(nll, tokens)); // scalar
                    gc.backward(nll);
                    loss = nll.getFloat();
                }
                optimizer.step(lr);
                losses.add(loss);
                listener.onStep(step + 1, options.steps(), loss, lr, System.nanoTime() - start);
            }
        } finally {
            policy.setTrainable(false);
        }
        int tail = Math.max(1, losses.size() / 10);
        double finalLoss = losses.subList(losses.size() - tail, losses.size()).stream()
                .mapToDouble(Double::doubleValue)
                .average()
                .orElse(Double.NaN);
        var summary = new SftSummary(options.steps(), losses, finalLoss, (System.nanoTime() - start) / 1e9);
        LOG.info(
                "SFT done: {} steps, final loss {}, {} s",
                summary.steps(),
                String.format("%.4f", finalLoss),
                String.format("%.1f", summary.seconds()));
        return summary;
    }
}
