package io.prefstream.trainer.loop;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.lm.LogProbs;
import io.prefstream.model.lm.ScoringBatch;
import io.prefstream.model.nn.NoGrad;
import io.prefstream.model.train.AdamW;
import io.prefstream.schemas.TrainingBatch;
import io.prefstream.trainer.objective.ObjectiveResult;
import io.prefstream.trainer.objective.PreferenceObjective;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One optimisation step on one training batch:
 * plan the sequences ({@link ScoringPlan}) → π_ref log-probs (cached, no graph) → π_θ log-probs
 * with gradient → objective loss → backward → global gradient norm → AdamW with clipping.
 *
 * <p>Guard: the weights change only after a finite loss and a finite gradient norm; a batch that
 * fails any check throws {@link BatchRejectedException} with the weights, the optimizer state and
 * the gradients as they were before the batch.
 *
 * <p>Partial batches: items that carry no preference signal (an online group whose completions all
 * tie yields no pair) are dropped and counted, and the step trains on the rest, e.g. the batch's
 * offline pairs. A batch none of whose items yields an input is not invalid, only empty of signal:
 * the step is skipped ({@link Outcome#trained()} false, nothing touched) and its drops are reported.
 *
 * <p>Dimension legend: N distinct sequences in the batch.
 */
public final class TrainingStep {

    /** Objective metric renamed so that TRAIN metrics never clash with EVAL's exact-match {@code accuracy}. */
    static final Map<String, String> RENAMED = Map.of(ObjectiveResult.ACCURACY, "reward_accuracy");

    private final CausalLm policy;
    private final ReferenceScorer reference;
    private final AdamW optimizer;
    private final PreferenceObjective objective;
    private final ScoringPlan.Options planOptions;

    /**
     * @param policy      trainable policy π_θ (gradients on)
     * @param reference   π_ref scorer
     * @param optimizer   AdamW over the policy's parameters
     * @param objective   the loss
     * @param planOptions how batches are turned into objective inputs
     */
    TrainingStep(
            CausalLm policy,
            ReferenceScorer reference,
            AdamW optimizer,
            PreferenceObjective objective,
            ScoringPlan.Options planOptions) {
        this.policy = policy;
        this.reference = reference;
        this.optimizer = optimizer;
        this.objective = objective;
        this.planOptions = planOptions;
    }

    /**
     * What a step did.
     *
     * @param metrics the step's metrics; for a skipped batch only the plan's counts and drops
     * @param items   the batch's items (offline pairs and rollouts)
     * @param trained whether the optimizer stepped; false when no item of the batch yielded an input
     */
    public record Outcome(Map<String, Double> metrics, int items, boolean trained) {}

    /**
     * Trains on {@code batch} at learning rate {@code lr}.
     *
     * @return the objective's metrics (with {@code accuracy} renamed {@code reward_accuracy}) plus
     *         {@code grad_norm}, {@code lr}, the plan's counts ({@code dropped_<reason>} per reason) and,
     *         when the batch holds online samples, {@code kl}: the mean {@code log π_θ − log π_ref}
     *         over them; or, when no item yields an input, a skipped outcome with the plan's counts
     * @throws BatchRejectedException when the batch cannot be trained on (no items at all, invalid
     *                                items, a non-finite loss or gradient); nothing was changed
     */
    public Outcome run(TrainingBatch batch, double lr) {
        int items = batch.getOfflinePairs().size()
                + batch.getOnlineLabeled().size()
                + batch.getOnlineUnlabeled().size();
        if (items == 0) {
            throw new BatchRejectedException(
                    BatchRejectedException.INVALID, "batch " + batch.getBatchId() + " holds no items");
        }
        ScoringPlan plan = ScoringPlan.of(batch, planOptions);
        if (plan.isEmpty()) {
            var counts = new TreeMap<String, Double>(plan.counts());
            plan.dropped().forEach((reason, n) -> counts.put("dropped_" + reason, (double) n));
            return new Outcome(counts, items, false);
        }
        float[] ref = reference.score(plan);
        var metrics = new TreeMap<String, Double>();
        float[] policyValues;
        try (NDManager scope = NDManager.newBaseManager(policy.device(), "PyTorch");
                GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
            NDArray all = policyLogProbs(scope, plan); // (N)
            policyValues = all.toFloatArray();
            try (ObjectiveResult result = objective.compute(plan.input(scope, all, ref))) {
                double loss = result.lossValue();
                if (!Double.isFinite(loss)) {
                    throw new BatchRejectedException(
                            BatchRejectedException.NON_FINITE_LOSS,
                            "objective "
                                    + objective.name() + " gave loss " + loss + " on batch " + batch.getBatchId()
                                    + "; the weights were not touched");
                }
                gc.backward(result.loss());
                result.metrics().forEach((k, v) -> metrics.put(RENAMED.getOrDefault(k, k), v));
            }
        } catch (IllegalArgumentException e) {
            optimizer.zeroGradients();
            throw new BatchRejectedException(
                    BatchRejectedException.INVALID,
                    "batch " + batch.getBatchId() + " is not a valid input of objective " + objective.name() + ": "
                            + e.getMessage(),
                    e);
        } catch (BatchRejectedException e) {
            optimizer.zeroGradients();
            throw e;
        }
        double norm = gradientNorm();
        if (!Double.isFinite(norm)) {
            optimizer.zeroGradients();
            throw new BatchRejectedException(
                    BatchRejectedException.NON_FINITE_GRADIENT,
                    "gradient norm " + norm + " on batch " + batch.getBatchId() + "; the weights were not touched");
        }
        optimizer.step(lr);
        metrics.put("grad_norm", norm);
        metrics.put("lr", lr);
        plan.counts().forEach(metrics::put);
        plan.dropped().forEach((reason, n) -> metrics.put("dropped_" + reason, (double) n));
        if (!metrics.containsKey(ObjectiveResult.KL) && !plan.onlineSequences().isEmpty()) {
            double kl = 0;
            for (int i : plan.onlineSequences()) {
                kl += policyValues[i] - ref[i];
            }
            metrics.put(ObjectiveResult.KL, kl / plan.onlineSequences().size());
        }
        return new Outcome(metrics, items, true);
    }

    /** log π_θ of every planned sequence in plan order, one forward pass per temperature. */
    private NDArray policyLogProbs(NDManager scope, ScoringPlan plan) {
        var byTemperature = new LinkedHashMap<Double, List<Integer>>();
        List<ScoringPlan.Sequence> sequences = plan.sequences();
        for (int i = 0; i < sequences.size(); i++) {
            byTemperature
                    .computeIfAbsent(sequences.get(i).temperature(), t -> new ArrayList<>())
                    .add(i);
        }
        int pad = policy.tokenizer().pad();
        var parts = new NDList();
        long[] position = new long[sequences.size()];
        int at = 0;
        for (var entry : byTemperature.entrySet()) {
            var prompts = new ArrayList<int[]>();
            var responses = new ArrayList<int[]>();
            for (int i : entry.getValue()) {
                prompts.add(sequences.get(i).prompt());
                responses.add(sequences.get(i).response());
                position[i] = at++;
            }
            parts.add(LogProbs.sequence(scope, policy, ScoringBatch.of(prompts, responses, pad), entry.getKey()));
        }
        if (parts.size() == 1) {
            return parts.get(0); // (N)
        }
        // A native copy of the index: autograd keeps it for backward, after the Java buffer may be gone.
        return NDArrays.concat(parts).get(scope.create(position).duplicate()); // (N)
    }

    private double gradientNorm() {
        double squares = 0;
        try (NoGrad ignored = NoGrad.enter();
                NDManager tmp = NDManager.newBaseManager(policy.device(), "PyTorch")) {
            for (NDArray p : policy.parameters().arrays()) {
                NDArray g = p.getGradient();
                g.attach(tmp); // g and the temporaries below are freed with tmp
                squares += g.square().sum().getFloat();
            }
        }
        return Math.sqrt(squares);
    }
}
