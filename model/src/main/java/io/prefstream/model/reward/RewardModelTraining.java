package io.prefstream.model.reward;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.prefstream.model.nn.TokenBatch;
import io.prefstream.model.train.AdamW;
import io.prefstream.model.train.AdamWOptions;
import io.prefstream.model.train.ProgressListener;
import io.prefstream.model.train.WarmupCosine;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fits a {@link RewardModel} to preference pairs by minimising the {@link BradleyTerry} loss
 * with AdamW, warm-up + cosine learning rate and gradient clipping; minibatches are drawn with
 * replacement by a seeded generator, so a run is reproducible.
 */
public final class RewardModelTraining {

    private static final Logger LOG = LoggerFactory.getLogger(RewardModelTraining.class);

    /**
     * @param steps optimizer steps
     * @param batchSize pairs per step
     * @param lr peak learning rate
     * @param warmupSteps linear warm-up steps
     * @param seed minibatch sampling seed
     */
    public record Options(int steps, int batchSize, double lr, int warmupSteps, long seed) {
        public Options {
            if (steps <= 0 || batchSize <= 0) {
                throw new IllegalArgumentException(
                        "reward training needs steps > 0 and batchSize > 0, found " + steps + " and " + batchSize);
            }
        }
    }

    /**
     * @param steps steps run
     * @param finalLoss mean loss over the last 10% of steps
     * @param pairwiseAccuracy fraction of the training pairs with r(chosen) &gt; r(rejected) after training
     * @param seconds wall time
     */
    public record Summary(int steps, double finalLoss, double pairwiseAccuracy, double seconds) {}

    private RewardModelTraining() {}

    public static Summary train(
            RewardModel model, List<PreferencePair> pairs, Options options, ProgressListener listener) {
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("reward training needs at least one preference pair, found none");
        }
        var tk = model.tokenizer();
        var schedule = new WarmupCosine(options.lr(), options.warmupSteps(), options.steps(), 0.1);
        var rng = new SplittableRandom(options.seed());
        long start = System.nanoTime();
        var losses = new ArrayList<Double>();
        model.setTrainable(true);
        try (AdamW optimizer = new AdamW(model.parameters(), AdamWOptions.defaults());
                NDManager root = NDManager.newBaseManager(model.device(), "PyTorch")) {
            for (int step = 0; step < options.steps(); step++) {
                var prompts = new ArrayList<int[]>();
                var chosen = new ArrayList<int[]>();
                var rejected = new ArrayList<int[]>();
                for (int i = 0; i < options.batchSize(); i++) {
                    var pair = pairs.get(rng.nextInt(pairs.size()));
                    prompts.add(tk.encodePrompt(pair.prompt()));
                    chosen.add(tk.encodeResponse(pair.chosen()));
                    rejected.add(tk.encodeResponse(pair.rejected()));
                }
                // chosen and rejected in one forward: rows [0, B) chosen, [B, 2B) rejected
                var allPrompts = new ArrayList<>(prompts);
                allPrompts.addAll(prompts);
                var allResponses = new ArrayList<>(chosen);
                allResponses.addAll(rejected);
                TokenBatch batch = RewardModel.batch(allPrompts, allResponses, tk.pad());
                double lr = schedule.lr(step);
                double loss;
                try (NDManager scope = root.newSubManager();
                        GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                    NDArray r = model.rewards(scope, batch); // (2B)
                    int b = options.batchSize();
                    NDArray l = BradleyTerry.loss(r.get("0:" + b), r.get(b + ":"));
                    gc.backward(l);
                    loss = l.getFloat();
                }
                optimizer.step(lr);
                losses.add(loss);
                listener.onStep(step + 1, options.steps(), loss, lr, System.nanoTime() - start);
            }
        } finally {
            model.setTrainable(false);
        }
        double accuracy = pairwiseAccuracy(model, pairs);
        int tail = Math.max(1, losses.size() / 10);
        double finalLoss = losses.subList(losses.size() - tail, losses.size()).stream()
                .mapToDouble(Double::doubleValue)
                .average()
                .orElse(Double.NaN);
        var summary = new Summary(options.steps(), finalLoss, accuracy, (System.nanoTime() - start) / 1e9);
        LOG.info("reward model trained: {}", summary);
        return summary;
    }

    /** Fraction of pairs the model orders correctly (ties count half). */
    public static double pairwiseAccuracy(RewardModel model, List<PreferencePair> pairs) {
        double correct = 0;
        for (int from = 0; from < pairs.size(); from += 256) {
            var chunk = pairs.subList(from, Math.min(pairs.size(), from + 256));
            double[] rc = model.score(
                    chunk.stream().map(PreferencePair::prompt).toList(),
                    chunk.stream().map(PreferencePair::chosen).toList());
            double[] rr = model.score(
                    chunk.stream().map(PreferencePair::prompt).toList(),
                    chunk.stream().map(PreferencePair::rejected).toList());
            for (int i = 0; i < rc.length; i++) {
                correct += rc[i] > rr[i] ? 1 : rc[i] == rr[i] ? 0.5 : 0;
            }
        }
        return correct / pairs.size();
    }
}
