package io.prefstream.labeler.join;

import io.prefstream.schemas.IndexPair;
import io.prefstream.schemas.KindScores;
import io.prefstream.schemas.Label;
import io.prefstream.schemas.LabelKind;
import io.prefstream.schemas.LabelSummary;
import io.prefstream.schemas.PairTally;
import io.prefstream.schemas.Verdict;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Aggregates the distinct labels of one rollout of K completions and derives its preference pairs.
 *
 * <ul>
 *   <li>Scores: per kind, {@code mean_k[i] = (1/n_k) Σ_{labels l of kind k} scores_l[i]}.</li>
 *   <li>Aggregated machine score: {@code m[i] = mean over machine kinds k present of mean_k[i]} (every
 *       kind but HUMAN, each kind weighing the same however many labels it sent).</li>
 *   <li>{@value #BEST_VS_WORST} pair: {@code (argmax m, argmin m)} (first index on ties),
 *       margin {@code max m − min m}; none when {@code max m = min m} or K &lt; 2.</li>
 *   <li>Votes: judgements tallied per (kind, unordered pair). The pair's outcome is the plurality of
 *       {first preferred, second preferred, tie, both bad}; a preference that wins alone yields a
 *       pair with source = kind name and margin = winner's votes − loser's votes; a tied vote, or a
 *       plurality of TIE or BOTH_BAD, yields no pair (the tally is kept in the summary).</li>
 * </ul>
 * Labels must already be validated against K (see {@link #validate}).
 */
public final class LabelAggregation {

    /** Source of the pair derived from the aggregated machine score. */
    public static final String BEST_VS_WORST = "BEST_VS_WORST";

    private LabelAggregation() {}

    /** Why {@code label} cannot apply to a rollout of {@code k} completions, or empty when it can. */
    public static Optional<String> validate(Label label, int k) {
        var scores = label.getScores();
        var judgement = label.getJudgement();
        if (scores == null && judgement == null) {
            return Optional.of("label " + label.getLabelId() + " carries neither scores nor a judgement");
        }
        if (scores != null) {
            if (scores.size() != k) {
                return Optional.of("label " + label.getLabelId() + " has " + scores.size()
                        + " scores, expected one per completion (" + k + ")");
            }
            for (int i = 0; i < scores.size(); i++) {
                Double s = scores.get(i);
                if (s == null || !Double.isFinite(s)) {
                    return Optional.of(
                            "label " + label.getLabelId() + " has a non-finite score " + s + " for completion " + i);
                }
            }
        }
        if (judgement != null) {
            int c = judgement.getChosenIndex();
            int r = judgement.getRejectedIndex();
            if (c < 0 || c >= k || r < 0 || r >= k || c == r) {
                return Optional.of("label " + label.getLabelId() + " judges completions " + c + " and " + r
                        + ", expected two distinct indices in [0, " + k + ")");
            }
            var strength = judgement.getStrength();
            if (strength != null && !(strength >= 0 && strength <= 1)) {
                return Optional.of(
                        "label " + label.getLabelId() + " has strength " + strength + ", expected a number in [0, 1]");
            }
        }
        return Optional.empty();
    }

    /** The summary of {@code labels} (in arrival order) for a rollout of {@code k} completions. */
    public static LabelSummary summarize(int k, List<Label> labels) {
        var sums = new EnumMap<LabelKind, double[]>(LabelKind.class);
        var counts = new EnumMap<LabelKind, Integer>(LabelKind.class);
        var tallies = new TreeMap<String, PairTally>();
        var ids = new ArrayList<String>(labels.size());
        for (Label label : labels) {
            ids.add(label.getLabelId());
            if (label.getScores() != null) {
                double[] sum = sums.computeIfAbsent(label.getKind(), x -> new double[k]);
                for (int i = 0; i < k; i++) {
                    sum[i] += label.getScores().get(i);
                }
                counts.merge(label.getKind(), 1, Integer::sum);
            }
            var j = label.getJudgement();
            if (j != null) {
                int first = Math.min(j.getChosenIndex(), j.getRejectedIndex());
                int second = Math.max(j.getChosenIndex(), j.getRejectedIndex());
                String key = label.getKind().ordinal() + ":" + first + ":" + second;
                var tally =
                        tallies.computeIfAbsent(key, x -> new PairTally(label.getKind(), first, second, 0, 0, 0, 0));
                if (j.getVerdict() == Verdict.PREFERENCE) {
                    if (j.getChosenIndex() == first) {
                        tally.setFirstPreferred(tally.getFirstPreferred() + 1);
                    } else {
                        tally.setSecondPreferred(tally.getSecondPreferred() + 1);
                    }
                } else if (j.getVerdict() == Verdict.TIE) {
                    tally.setTies(tally.getTies() + 1);
                } else {
                    tally.setBothBad(tally.getBothBad() + 1);
                }
            }
        }
        var scores = new ArrayList<KindScores>();
        for (Map.Entry<LabelKind, double[]> e : sums.entrySet()) {
            int n = counts.get(e.getKey());
            var means = new ArrayList<Double>(k);
            for (double s : e.getValue()) {
                means.add(s / n);
            }
            scores.add(new KindScores(e.getKey(), means, n));
        }
        return new LabelSummary(scores, new ArrayList<>(tallies.values()), ids);
    }

    /** The aggregated machine score per completion, or empty when no machine kind sent scores. */
    public static Optional<double[]> machineScore(LabelSummary summary, int k) {
        double[] m = new double[k];
        int kinds = 0;
        for (KindScores ks : summary.getScores()) {
            if (ks.getKind() != LabelKind.HUMAN) {
                for (int i = 0; i < k; i++) {
                    m[i] += ks.getMeanScores().get(i);
                }
                kinds++;
            }
        }
        if (kinds == 0) {
            return Optional.empty();
        }
        for (int i = 0; i < k; i++) {
            m[i] /= kinds;
        }
        return Optional.of(m);
    }

    /** The pairs derived from {@code summary}: best-vs-worst by machine score first, then one per vote winner. */
    public static List<IndexPair> pairs(LabelSummary summary, int k) {
        var pairs = new ArrayList<IndexPair>();
        machineScore(summary, k).ifPresent(m -> bestVsWorst(m).ifPresent(pairs::add));
        for (PairTally t : summary.getVotes()) {
            int fp = t.getFirstPreferred();
            int sp = t.getSecondPreferred();
            int others = Math.max(t.getTies(), t.getBothBad());
            if (fp > sp && fp > others) {
                pairs.add(new IndexPair(
                        t.getFirstIndex(), t.getSecondIndex(), t.getKind().name(), (double) (fp - sp)));
            } else if (sp > fp && sp > others) {
                pairs.add(new IndexPair(
                        t.getSecondIndex(), t.getFirstIndex(), t.getKind().name(), (double) (sp - fp)));
            }
        }
        return pairs;
    }

    static Optional<IndexPair> bestVsWorst(double[] m) {
        if (m.length < 2) {
            return Optional.empty();
        }
        int best = 0;
        int worst = 0;
        for (int i = 1; i < m.length; i++) {
            if (m[i] > m[best]) {
                best = i;
            }
            if (m[i] < m[worst]) {
                worst = i;
            }
        }
        if (m[best] == m[worst]) {
            return Optional.empty();
        }
        return Optional.of(new IndexPair(best, worst, BEST_VS_WORST, m[best] - m[worst]));
    }
}
