package io.prefstream.trainer.loop;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The trainer's Prometheus meters, tagged with the policy name: counters of steps and items,
 * a step timer, and gauges of step, policy version, loss, KL, reward margin and accuracy, recent
 * steps/s and pairs/s, input lag (batches waiting in training-batches) and the last evaluation.
 * Rates are over the last {@value #WINDOW} steps.
 */
final class TrainerMeters {

    private static final int WINDOW = 20;

    private final Map<String, Double> values = new ConcurrentHashMap<>();
    private final Counter steps;
    private final Counter items;
    private final Counter skipped;
    private final Timer stepTime;
    private final ArrayDeque<long[]> recent = new ArrayDeque<>(); // (nanoTime, cumulative items)
    private long cumulativeItems;

    TrainerMeters(MeterRegistry registry, String policy) {
        steps = Counter.builder("prefstream.trainer.steps")
                .description("Optimisation steps applied")
                .tag("policy", policy)
                .register(registry);
        items = Counter.builder("prefstream.trainer.items")
                .description("Batch items (pairs and rollouts) trained on")
                .tag("policy", policy)
                .register(registry);
        skipped = Counter.builder("prefstream.trainer.batches.skipped")
                .description("Training batches consumed without a step: none of their items yielded an input")
                .tag("policy", policy)
                .register(registry);
        stepTime = Timer.builder("prefstream.trainer.step.duration")
                .description("Time of one optimisation step")
                .tag("policy", policy)
                .register(registry);
        gauge(registry, policy, "prefstream.trainer.step", "step", "Current optimisation step");
        gauge(registry, policy, "prefstream.trainer.policy.version", "policy_version", "Last published policy version");
        gauge(registry, policy, "prefstream.trainer.loss", "loss", "Loss of the last step");
        gauge(registry, policy, "prefstream.trainer.kl", "kl", "KL estimate of the last step");
        gauge(registry, policy, "prefstream.trainer.reward.margin", "reward_margin", "Implicit reward margin");
        gauge(registry, policy, "prefstream.trainer.reward.accuracy", "reward_accuracy", "Implicit reward accuracy");
        gauge(registry, policy, "prefstream.trainer.steps.per.second", "steps_per_s", "Recent steps per second");
        gauge(registry, policy, "prefstream.trainer.pairs.per.second", "pairs_per_s", "Recent items per second");
        gauge(registry, policy, "prefstream.trainer.input.lag", "input_lag", "Training batches not yet consumed");
        gauge(
                registry,
                policy,
                "prefstream.trainer.eval.gold.reward",
                "eval_gold_reward",
                "Last evaluation's gold reward");
        gauge(
                registry,
                policy,
                "prefstream.trainer.eval.win.rate",
                "eval_win_rate",
                "Last evaluation's win rate vs pi_ref");
    }

    private void gauge(MeterRegistry registry, String policy, String name, String key, String doc) {
        values.put(key, Double.NaN);
        Gauge.builder(name, values, v -> v.getOrDefault(key, Double.NaN))
                .description(doc)
                .tag("policy", policy)
                .register(registry);
    }

    /** Records one step; returns {steps/s, items/s} over the recent window. */
    synchronized double[] step(Duration took, int batchItems, Map<String, Double> metrics) {
        steps.increment();
        items.increment(batchItems);
        stepTime.record(took);
        cumulativeItems += batchItems;
        recent.addLast(new long[] {System.nanoTime(), cumulativeItems});
        if (recent.size() > WINDOW) {
            recent.removeFirst();
        }
        double stepsPerSecond = Double.NaN;
        double itemsPerSecond = Double.NaN;
        if (recent.size() >= 2) {
            long[] first = recent.getFirst();
            long[] last = recent.getLast();
            double seconds = (last[0] - first[0]) / 1e9;
            stepsPerSecond = (recent.size() - 1) / seconds;
            itemsPerSecond = (last[1] - first[1]) / seconds;
        }
        for (String key : new String[] {"loss", "kl", "reward_margin", "reward_accuracy"}) {
            values.put(key, metrics.getOrDefault(key, Double.NaN));
        }
        values.put("steps_per_s", stepsPerSecond);
        values.put("pairs_per_s", itemsPerSecond);
        return new double[] {stepsPerSecond, itemsPerSecond};
    }

    /** Records a batch consumed without a step. */
    void skipped() {
        skipped.increment();
    }

    void set(String key, double value) {
        values.put(key, value);
    }
}
