package io.prefstream.launcher.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefstream.model.eval.EvalReport;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * The outcome of one preference-learning run: π_ref and the final policy evaluated the same way
 * (same held-out prompts, temperature and seed), how long it took, how much data flowed.
 *
 * @param task            task name
 * @param algo            objective name
 * @param steps           trainer steps completed
 * @param plannedSteps    trainer steps asked for
 * @param completed       whether the run reached {@code plannedSteps} (false after Ctrl-C or a failure)
 * @param policyVersions  policy versions published after π_ref (version 0)
 * @param elapsedSeconds  wall time of the whole run
 * @param onlineSeconds   wall time of the online phase (services running)
 * @param reference       evaluation of π_ref
 * @param finalPolicy     evaluation of the last published policy against π_ref, null when none was published
 * @param rollouts        rollouts produced during the run
 * @param pairs           preference pairs trained on (sum over TRAIN records), NaN when unknown
 * @param deadLetters     records dead-lettered during the run
 * @param reportDir       where the report was written
 * @param usage           labels paid for and how busy trainer and generator were
 */
public record RunSummary(
        String task,
        String algo,
        long steps,
        long plannedSteps,
        boolean completed,
        long policyVersions,
        double elapsedSeconds,
        double onlineSeconds,
        EvalReport reference,
        EvalReport finalPolicy,
        long rollouts,
        double pairs,
        long deadLetters,
        Path reportDir,
        Usage usage) {

    public RunSummary {
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(usage, "usage");
    }

    /**
     * What a run consumed: the labels (gold or reward-model scores) behind the data it trained on,
     * and how much of the online phase the trainer and the generator were busy.
     *
     * @param offlineLabels         labels spent building the offline set (prompts × samples scored), 0 when the
     *                              run trained on online data only
     * @param onlineLabels          labels on the online rollouts the trainer consumed (sum of TRAIN
     *                              {@code online_labels})
     * @param onlineStartedMs       when the services started, epoch ms (the origin of wall-time curves)
     * @param trainerIdleFraction   1 − (training steps' + evaluations' seconds) / online seconds
     * @param generatorIdleFraction 1 − sampling seconds / online seconds (NaN when unknown)
     */
    public record Usage(
            long offlineLabels,
            long onlineLabels,
            long onlineStartedMs,
            double trainerIdleFraction,
            double generatorIdleFraction) {
        public long labelsUsed() {
            return offlineLabels + onlineLabels;
        }
    }

    public double rolloutsPerSecond() {
        return onlineSeconds > 0 ? rollouts / onlineSeconds : Double.NaN;
    }

    public double pairsPerSecond() {
        return onlineSeconds > 0 ? pairs / onlineSeconds : Double.NaN;
    }

    /** The final policy's evaluation, or π_ref's when no policy was published (nothing changed). */
    public EvalReport finalOrReference() {
        return finalPolicy != null ? finalPolicy : reference;
    }

    /** Exact KL(π‖π_ref) of the final policy on its own samples (0 when it is π_ref). */
    public double kl() {
        return finalPolicy == null ? 0 : finalPolicy.klExact().orElse(Double.NaN);
    }

    /** The one-line JSON object {@code prefstream demo --json} prints last. */
    public ObjectNode toJson() {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("task", task);
        o.put("algo", algo);
        o.put("completed", completed);
        o.put("steps", steps);
        o.put("planned_steps", plannedSteps);
        o.put("policy_versions", policyVersions);
        put(o, "elapsed_s", round(elapsedSeconds, 1));
        put(o, "online_s", round(onlineSeconds, 1));
        put(o, "reference_gold_reward", round(reference.goldRewardMean(), 4));
        put(o, "final_gold_reward", round(finalOrReference().goldRewardMean(), 4));
        put(o, "reference_accuracy", round(reference.accuracy(), 4));
        put(o, "final_accuracy", round(finalOrReference().accuracy(), 4));
        put(o, "kl", round(kl(), 4));
        put(
                o,
                "kl_mc",
                round(finalPolicy == null ? 0 : finalPolicy.klMonteCarlo().orElse(Double.NaN), 4));
        put(
                o,
                "win_rate",
                round(finalPolicy == null ? 0.5 : finalPolicy.winRate().orElse(Double.NaN), 4));
        put(o, "reference_mean_length", round(reference.meanLength(), 3));
        put(o, "final_mean_length", round(finalOrReference().meanLength(), 3));
        o.put("eval_prompts", reference.n());
        o.put("rollouts", rollouts);
        put(o, "rollouts_per_s", round(rolloutsPerSecond(), 2));
        put(o, "pairs_per_s", round(pairsPerSecond(), 2));
        o.put("dead_letters", deadLetters);
        o.put("labels_used", usage.labelsUsed());
        o.put("offline_labels", usage.offlineLabels());
        o.put("online_labels", usage.onlineLabels());
        o.put("online_started_ms", usage.onlineStartedMs());
        put(o, "trainer_idle_fraction", round(usage.trainerIdleFraction(), 4));
        put(o, "generator_idle_fraction", round(usage.generatorIdleFraction(), 4));
        o.put("report_dir", reportDir.toAbsolutePath().toString());
        return o;
    }

    private static void put(ObjectNode o, String name, double value) {
        if (Double.isFinite(value)) {
            o.put(name, value);
        } else {
            o.putNull(name);
        }
    }

    private static double round(double v, int digits) {
        if (!Double.isFinite(v)) {
            return v;
        }
        double scale = Math.pow(10, digits);
        return Math.round(v * scale) / scale;
    }

    /** The summary table printed at the end of a run. */
    public String table() {
        var f = finalOrReference();
        String finalLabel = finalPolicy == null ? "final (=π_ref)" : "final";
        var sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-22s %12s %14s%n", "", "π_ref", finalLabel));
        sb.append(row("gold reward", reference.goldRewardMean(), f.goldRewardMean(), "%.3f"));
        if (!Double.isNaN(reference.accuracy())) { // tasks without a notion of exactness (sentiment) have none
            sb.append(row("exact accuracy", reference.accuracy(), f.accuracy(), "%.3f"));
        }
        sb.append(row("KL(π‖π_ref)", 0, kl(), "%.3f"));
        sb.append(row(
                "win rate vs π_ref",
                0.5,
                finalPolicy == null ? 0.5 : f.winRate().orElse(Double.NaN),
                "%.3f"));
        sb.append(row("mean length (tokens)", reference.meanLength(), f.meanLength(), "%.2f"));
        sb.append(String.format(
                Locale.ROOT,
                "%n%-22s %s%n",
                "steps",
                steps + "/" + plannedSteps + (completed ? "" : " (stopped early)")));
        sb.append(String.format(Locale.ROOT, "%-22s %d%n", "policy versions", policyVersions));
        sb.append(String.format(Locale.ROOT, "%-22s %s%n", "rollouts/s", fmt(rolloutsPerSecond())));
        sb.append(String.format(Locale.ROOT, "%-22s %s%n", "pairs/s", fmt(pairsPerSecond())));
        sb.append(String.format(
                Locale.ROOT,
                "%-22s %,d (offline set %,d, online %,d)%n",
                "labels used",
                usage.labelsUsed(),
                usage.offlineLabels(),
                usage.onlineLabels()));
        sb.append(String.format(
                Locale.ROOT,
                "%-22s trainer %s, generator %s%n",
                "idle (online phase)",
                percent(usage.trainerIdleFraction()),
                percent(usage.generatorIdleFraction())));
        sb.append(String.format(Locale.ROOT, "%-22s %d%n", "dead letters", deadLetters));
        sb.append(
                String.format(Locale.ROOT, "%-22s %.1f s (online %.1f s)%n", "elapsed", elapsedSeconds, onlineSeconds));
        sb.append(String.format(
                Locale.ROOT,
                "%-22s %s (%d held-out prompts, τ=%.1f)%n",
                "evaluation",
                "same prompts and seed for both",
                reference.n(),
                reference.temperature()));
        return sb.toString();
    }

    private static String row(String name, double ref, double fin, String pattern) {
        return String.format(
                Locale.ROOT,
                "%-22s %12s %14s%n",
                name,
                String.format(Locale.ROOT, pattern, ref),
                Double.isNaN(fin) ? "-" : String.format(Locale.ROOT, pattern, fin));
    }

    private static String percent(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.0f %%", 100 * v) : "-";
    }

    private static String fmt(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.1f", v) : "-";
    }
}
