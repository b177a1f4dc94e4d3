package io.prefstream.trainer.loop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.prefstream.model.tokenizer.Tokenizer;
import io.prefstream.schemas.Completion;
import io.prefstream.schemas.FinishReason;
import io.prefstream.schemas.IndexPair;
import io.prefstream.schemas.KindScores;
import io.prefstream.schemas.LabelKind;
import io.prefstream.schemas.LabeledRollout;
import io.prefstream.schemas.PreferencePair;
import io.prefstream.schemas.Rollout;
import io.prefstream.schemas.TrainingBatch;
import io.prefstream.trainer.objective.DataKind;
import io.prefstream.trainer.objective.GroupTensors;
import io.prefstream.trainer.objective.ObjectiveInput;
import io.prefstream.trainer.objective.PairChoice;
import io.prefstream.trainer.objective.PairSelector;
import io.prefstream.trainer.objective.PairStrategy;
import io.prefstream.trainer.objective.PairTensors;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one training batch asks the models to score, and how the scores combine into the
 * objective's input. Every distinct (prompt, response, temperature) is scored once, however many
 * pairs or groups it appears in; pairs and groups refer to sequences by index.
 *
 * <p>Conversions (see {@link BatchRouting}):
 * <ul>
 *   <li>offline pair → offline pair, at {@code trainer.temperature}; a cached π_ref log-prob in the
 *       record is used when the options trust it;</li>
 *   <li>labeled rollout → at most one online pair by {@link PairSelector} on the rewards (the mean
 *       scores of the first configured label kind present), or the label join's derived pairs when
 *       the strategy is {@code human} or the rollout has no scores; or, for group objectives, one
 *       labeled group with those rewards. Behaviour log-probs are the completions' recorded ones, at
 *       the rollout's sampling temperature;</li>
 *   <li>unlabeled rollout → one unlabeled group.</li>
 * </ul>
 * Rollouts that yield nothing (tied rewards, no rewards for a group objective, fewer than two
 * completions) are counted in {@link #dropped()}, never silently ignored; labeled rollouts routed to
 * pairs that yield no pair are also counted in {@link #groupsWithoutPair()}. The rest of the batch
 * is still used: a plan is empty ({@link #isEmpty()}) only when no item of the batch yields an input.
 *
 * <p>Dimension legend: N distinct sequences, B pairs, G groups, K completions per group (padded).
 */
public final class ScoringPlan {

    /**
     * One distinct sequence to score.
     *
     * @param prompt      prompt ids, BOS first
     * @param response    response ids, EOS last when the response ended with it
     * @param temperature temperature of its log-probs
     * @param key         sha256 of (temperature, prompt, response): the reference cache key
     * @param cachedRef   a π_ref log-prob supplied with the data, or null
     */
    public record Sequence(int[] prompt, int[] response, double temperature, String key, Double cachedRef) {}

    /** A pair of sequence indices; behaviour log-probs are NaN for offline pairs. */
    record Pair(int chosen, int rejected, double behaviourChosen, double behaviourRejected) {}

    /** A group of sequence indices with optional rewards and recorded behaviour log-probs. */
    record Group(int[] members, double[] rewards, double[] behaviour) {}

    /**
     * What a plan needs to know besides the batch.
     *
     * @param tokenizer          the policy's tokenizer
     * @param maxSeqLen          the model's position limit
     * @param routing            how labeled rollouts are used
     * @param selector           pair selection for labeled rollouts
     * @param rewardKinds        label kinds whose scores are rewards, by preference
     * @param offlineTemperature temperature of offline log-probs
     * @param trustCachedRef     whether π_ref log-probs carried by offline pairs may be used
     */
    public record Options(
            Tokenizer tokenizer,
            int maxSeqLen,
            BatchRouting routing,
            PairSelector selector,
            List<LabelKind> rewardKinds,
            double offlineTemperature,
            boolean trustCachedRef) {}

    private final List<Sequence> sequences = new ArrayList<>();
    private final Map<String, Integer> index = new HashMap<>();
    private final List<Pair> offlinePairs = new ArrayList<>();
    private final List<Pair> onlinePairs = new ArrayList<>();
    private final List<Group> labeledGroups = new ArrayList<>();
    private final List<Group> unlabeledGroups = new ArrayList<>();
    private final Map<String, Integer> dropped = new TreeMap<>();
    private final List<Integer> onlineSequences = new ArrayList<>();
    private final Options options;
    private int onlineRollouts;
    private int groupsWithoutPair;
    private long onlineLabels;
    private double labelRewardSum;
    private long labelRewardCount;

    private ScoringPlan(Options options) {
        this.options = options;
    }

    /**
     * Plans the scoring of {@code batch}.
     *
     * @throws BatchRejectedException ({@code invalid-batch}) for untokenizable text, token ids out of
     *                                the vocabulary, sequences longer than the model, or malformed labels
     */
    public static ScoringPlan of(TrainingBatch batch, Options options) {
        var plan = new ScoringPlan(options);
        for (PreferencePair p : batch.getOfflinePairs()) {
            plan.addOffline(p);
        }
        for (LabeledRollout l : batch.getOnlineLabeled()) {
            plan.addLabeled(l);
        }
        for (Rollout r : batch.getOnlineUnlabeled()) {
            plan.addUnlabeled(r);
        }
        return plan;
    }

    public List<Sequence> sequences() {
        return sequences;
    }

    /** Items that produced no objective input, by reason. */
    public Map<String, Integer> dropped() {
        return dropped;
    }

    public int offlinePairCount() {
        return offlinePairs.size();
    }

    public int onlinePairCount() {
        return onlinePairs.size();
    }

    public int groupCount() {
        return labeledGroups.size() + unlabeledGroups.size();
    }

    /** Labeled rollouts routed to pairs that yielded none (tied rewards, no derived pairs, too small). */
    public int groupsWithoutPair() {
        return groupsWithoutPair;
    }

    /** Whether no item of the batch yields an objective input: no pair and no group. */
    public boolean isEmpty() {
        return offlinePairs.isEmpty() && onlinePairs.isEmpty() && groupCount() == 0;
    }

    /** Indices of sequences sampled online (for the on-policy KL estimate). */
    public List<Integer> onlineSequences() {
        return onlineSequences;
    }

    // ---- planning --------------------------------------------------------------------------------

    private void addOffline(PreferencePair p) {
        int[] prompt = prompt(p.getPromptTokenIds(), p.getPromptText(), "offline pair " + p.getId());
        int[] chosen = response(p.getChosenTokenIds(), p.getChosenText(), "offline pair " + p.getId() + " chosen");
        int[] rejected =
                response(p.getRejectedTokenIds(), p.getRejectedText(), "offline pair " + p.getId() + " rejected");
        boolean cached =
                options.trustCachedRef() && p.getChosenRefLogprob() != null && p.getRejectedRefLogprob() != null;
        int c = add(
                prompt,
                chosen,
                options.offlineTemperature(),
                cached ? p.getChosenRefLogprob() : null,
                "offline pair " + p.getId());
        int r = add(
                prompt,
                rejected,
                options.offlineTemperature(),
                cached ? p.getRejectedRefLogprob() : null,
                "offline pair " + p.getId());
        offlinePairs.add(new Pair(c, r, Double.NaN, Double.NaN));
    }

    private void addLabeled(LabeledRollout labeled) {
        Rollout rollout = labeled.getRollout();
        int k = rollout.getCompletions().size();
        double[] rewards = rewards(labeled);
        onlineRollouts++;
        if (rewards != null) {
            // a reward per completion: K labels paid for, whether or not the group yields a pair
            onlineLabels += k;
            for (double r : rewards) {
                labelRewardSum += r;
            }
            labelRewardCount += k;
        } else {
            onlineLabels += labeled.getLabelCount();
        }
        if (options.routing().labeledAs() == DataKind.LABELED_GROUPS) {
            if (rewards == null) {
                count("rollout_without_rewards");
                return;
            }
            if (k < 2) {
                count("group_too_small");
                return;
            }
            int[] members = addCompletions(rollout);
            labeledGroups.add(new Group(members, rewards, behaviour(rollout)));
            return;
        }
        boolean useDerived = rewards == null || options.selector().strategy() == PairStrategy.HUMAN;
        var chosen = new ArrayList<int[]>();
        if (useDerived) {
            for (IndexPair p : labeled.getPairs()) {
                checkIndex(rollout, p.getChosenIndex(), k);
                checkIndex(rollout, p.getRejectedIndex(), k);
                if (p.getChosenIndex() == p.getRejectedIndex()) {
                    throw invalid("rollout " + rollout.getId() + " has a derived pair of completion "
                            + p.getChosenIndex() + " with itself");
                }
                chosen.add(new int[] {p.getChosenIndex(), p.getRejectedIndex()});
            }
            if (chosen.isEmpty()) {
                count(rewards == null ? "rollout_without_labels" : "no_derived_pairs");
                groupsWithoutPair++;
                return;
            }
        } else {
            if (k < 2) {
                count("group_too_small");
                groupsWithoutPair++;
                return;
            }
            PairChoice choice =
                    options.selector().select(rewards, rollout.getId().hashCode());
            if (!choice.isPair()) {
                count("pair_" + choice.dropped().orElseThrow().name().toLowerCase(java.util.Locale.ROOT));
                groupsWithoutPair++;
                return;
            }
            chosen.add(new int[] {choice.chosen(), choice.rejected()});
        }
        int[] members = addCompletions(rollout);
        double[] behaviour = behaviour(rollout);
        for (int[] p : chosen) {
            onlinePairs.add(new Pair(members[p[0]], members[p[1]], behaviour[p[0]], behaviour[p[1]]));
        }
    }

    private void addUnlabeled(Rollout rollout) {
        onlineRollouts++;
        if (rollout.getCompletions().size() < 2) {
            count("group_too_small");
            return;
        }
        unlabeledGroups.add(new Group(addCompletions(rollout), null, behaviour(rollout)));
    }

    /** Rewards from the first preferred label kind that scored every completion; null when none did. */
    private double[] rewards(LabeledRollout labeled) {
        int k = labeled.getRollout().getCompletions().size();
        for (LabelKind kind : options.rewardKinds()) {
            for (KindScores scores : labeled.getSummary().getScores()) {
                if (scores.getKind() != kind) {
                    continue;
                }
                List<Double> mean = scores.getMeanScores();
                if (mean.size() != k) {
                    throw invalid("rollout " + labeled.getRollout().getId() + " has " + mean.size() + " " + kind
                            + " scores for " + k + " completions; expected one score per completion");
                }
                double[] out = new double[k];
                for (int i = 0; i < k; i++) {
                    out[i] = mean.get(i);
                    if (!Double.isFinite(out[i])) {
                        throw invalid("rollout " + labeled.getRollout().getId() + " has a non-finite " + kind
                                + " score " + out[i] + " for completion " + i);
                    }
                }
                return out;
            }
        }
        return null;
    }

    private int[] addCompletions(Rollout rollout) {
        int[] prompt =
                prompt(rollout.getPrompt().getTokenIds(), rollout.getPrompt().getText(), "rollout " + rollout.getId());
        double temperature = rollout.getSampling().getTemperature();
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw invalid("rollout " + rollout.getId() + " was sampled at temperature " + temperature
                    + "; expected a finite temperature > 0");
        }
        List<Completion> completions = rollout.getCompletions();
        int[] members = new int[completions.size()];
        for (int i = 0; i < completions.size(); i++) {
            Completion c = completions.get(i);
            if (c.getIndex() != i) {
                throw invalid("rollout " + rollout.getId() + " has completion index " + c.getIndex() + " at position "
                        + i + "; expected completions[i].index == i");
            }
            int[] response = ids(c.getTokenIds(), "rollout " + rollout.getId() + " completion " + i);
            if (response.length == 0) {
                throw invalid("rollout " + rollout.getId() + " completion " + i + " has no tokens; expected at least "
                        + "one (EOS)");
            }
            boolean endsWithEos = options.tokenizer().isEos(response[response.length - 1]);
            if (endsWithEos != (c.getFinishReason() == FinishReason.EOS)) {
                throw invalid("rollout " + rollout.getId() + " completion " + i + " finished with "
                        + c.getFinishReason() + " but its tokens " + (endsWithEos ? "end" : "do not end")
                        + " with EOS");
            }
            members[i] = add(prompt, response, temperature, null, "rollout " + rollout.getId());
            onlineSequences.add(members[i]);
        }
        return members;
    }

    private static double[] behaviour(Rollout rollout) {
        return rollout.getCompletions().stream()
                .mapToDouble(Completion::getLogprob)
                .toArray();
    }

    private int add(int[] prompt, int[] response, double temperature, Double cachedRef, String what) {
        int positions = prompt.length + response.length - 1;
        if (positions > options.maxSeqLen()) {
            throw invalid(what + ": prompt (" + prompt.length + " tokens) + response (" + response.length
                    + " tokens) needs " + positions + " positions, more than the model's max_seq_len "
                    + options.maxSeqLen());
        }
        String key = key(prompt, response, temperature);
        Integer existing = index.get(key);
        if (existing != null) {
            return existing;
        }
        sequences.add(new Sequence(prompt, response, temperature, key, cachedRef));
        index.put(key, sequences.size() - 1);
        return sequences.size() - 1;
    }

    private int[] prompt(List<Integer> ids, String text, String what) {
        Tokenizer tk = options.tokenizer();
        int[] prompt;
        if (ids != null) {
            int[] given = ids(ids, what + " prompt");
            // Pre-tokenized prompts may omit BOS (the schemas do not say); the model needs it first.
            if (tk.bos() >= 0 && (given.length == 0 || given[0] != tk.bos())) {
                prompt = new int[given.length + 1];
                prompt[0] = tk.bos();
                System.arraycopy(given, 0, prompt, 1, given.length);
            } else {
                prompt = given;
            }
        } else {
            prompt = encode(() -> tk.encodePrompt(text), what + " prompt text '" + text + "'");
        }
        for (int i = 1; i < prompt.length; i++) {
            if (tk.reservedInPrompt(prompt[i])) {
                throw invalid(what + " prompt has special token " + prompt[i] + " at position " + i
                        + "; expected BOS only at position 0 and no PAD");
            }
        }
        return prompt;
    }

    private int[] response(List<Integer> ids, String text, String what) {
        Tokenizer tk = options.tokenizer();
        int[] response =
                ids != null ? ids(ids, what) : encode(() -> tk.encodeResponse(text), what + " text '" + text + "'");
        if (response.length == 0) {
            throw invalid(what + " has no tokens; expected at least EOS");
        }
        return response;
    }

    private int[] ids(List<Integer> ids, String what) {
        Tokenizer tk = options.tokenizer();
        int[] out = new int[ids.size()];
        for (int i = 0; i < out.length; i++) {
            int id = ids.get(i);
            if (id < 0 || id >= tk.vocabSize()) {
                throw invalid(what + " has token id " + id + " at position " + i + "; expected ids in [0, "
                        + tk.vocabSize() + ") of tokenizer " + tk.id());
            }
            out[i] = id;
        }
        return out;
    }

    private static int[] encode(java.util.function.Supplier<int[]> encoder, String what) {
        try {
            return encoder.get();
        } catch (IllegalArgumentException e) {
            throw invalid("cannot tokenize " + what + ": " + e.getMessage());
        }
    }

    private void checkIndex(Rollout rollout, int i, int k) {
        if (i < 0 || i >= k) {
            throw invalid("rollout " + rollout.getId() + " has a derived pair naming completion " + i
                    + "; expected an index in [0, " + k + ")");
        }
    }

    private void count(String reason) {
        dropped.merge(reason, 1, Integer::sum);
    }

    private static BatchRejectedException invalid(String message) {
        return new BatchRejectedException(BatchRejectedException.INVALID, message);
    }

    /** Hex sha256 of (temperature bits, prompt, −1, response): equal exactly for equal sequences. */
    static String key(int[] prompt, int[] response, double temperature) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM lacks SHA-256", e);
        }
        var buf = ByteBuffer.allocate(8 + 4 * (prompt.length + response.length + 1));
        buf.putDouble(temperature);
        for (int t : prompt) {
            buf.putInt(t);
        }
        buf.putInt(-1);
        for (int t : response) {
            buf.putInt(t);
        }
        return HexFormat.of().formatHex(sha.digest(buf.array()));
    }

    // ---- tensors ---------------------------------------------------------------------------------

    /**
     * The objective input, gathered from the per-sequence log-probs.
     *
     * @param manager where the input tensors are created
     * @param policy  log π_θ of every planned sequence, with gradient // (N)
     * @param ref     log π_ref of every planned sequence
     */
    public ObjectiveInput input(NDManager manager, NDArray policy, float[] ref) {
        var builder = ObjectiveInput.builder();
        if (!offlinePairs.isEmpty()) {
            builder.offlinePairs(pairs(manager, policy, ref, offlinePairs, false));
        }
        if (!onlinePairs.isEmpty()) {
            builder.onlinePairs(pairs(manager, policy, ref, onlinePairs, true));
        }
        if (!labeledGroups.isEmpty()) {
            builder.labeledGroups(groups(manager, policy, ref, labeledGroups));
        }
        if (!unlabeledGroups.isEmpty()) {
            builder.unlabeledGroups(groups(manager, policy, ref, unlabeledGroups));
        }
        return builder.build();
    }

    private PairTensors pairs(NDManager m, NDArray policy, float[] ref, List<Pair> pairs, boolean behaviour) {
        int b = pairs.size();
        long[] chosen = new long[b];
        long[] rejected = new long[b];
        float[] refW = new float[b];
        float[] refL = new float[b];
        float[] lenW = new float[b];
        float[] lenL = new float[b];
        float[] muW = new float[b];
        float[] muL = new float[b];
        for (int i = 0; i < b; i++) {
            Pair p = pairs.get(i);
            chosen[i] = p.chosen();
            rejected[i] = p.rejected();
            refW[i] = ref[p.chosen()];
            refL[i] = ref[p.rejected()];
            lenW[i] = sequences.get(p.chosen()).response().length;
            lenL[i] = sequences.get(p.rejected()).response().length;
            muW[i] = (float) p.behaviourChosen();
            muL[i] = (float) p.behaviourRejected();
        }
        // Index tensors are saved by autograd for backward: native copies, not Java-backed from_blob
        // views whose buffer the GC may free before backward runs (see objective.NativeTensors).
        var tensors = PairTensors.of(
                policy.get(m.create(chosen).duplicate()), // (B)
                policy.get(m.create(rejected).duplicate()),
                m.create(refW),
                m.create(refL),
                m.create(lenW),
                m.create(lenL));
        return behaviour ? tensors.withBehaviour(m.create(muW), m.create(muL)) : tensors;
    }

    private GroupTensors groups(NDManager m, NDArray policy, float[] ref, List<Group> groups) {
        int g = groups.size();
        int k = groups.stream().mapToInt(x -> x.members().length).max().orElseThrow();
        long[] idx = new long[g * k];
        float[] refs = new float[g * k];
        float[] lengths = new float[g * k];
        float[] rewards = new float[g * k];
        float[] mu = new float[g * k];
        float[] mask = new float[g * k];
        boolean padded = false;
        boolean hasRewards = groups.get(0).rewards() != null;
        for (int i = 0; i < g; i++) {
            Group group = groups.get(i);
            for (int j = 0; j < k; j++) {
                int at = i * k + j;
                if (j >= group.members().length) {
                    padded = true;
                    idx[at] = group.members()[0]; // any real entry: finite, masked out
                    lengths[at] = 1;
                    continue;
                }
                int s = group.members()[j];
                idx[at] = s;
                refs[at] = ref[s];
                lengths[at] = sequences.get(s).response().length;
                mu[at] = (float) group.behaviour()[j];
                mask[at] = 1;
                if (hasRewards) {
                    rewards[at] = (float) group.rewards()[j];
                }
            }
        }
        var shape = new Shape(g, k);
        NDArray pol = policy.get(m.create(idx).duplicate()).reshape(shape); // (G, K); native index, saved for backward
        var tensors = new GroupTensors(
                pol,
                m.create(refs, shape),
                java.util.Optional.of(m.create(mu, shape)),
                hasRewards ? java.util.Optional.of(m.create(rewards, shape)) : java.util.Optional.empty(),
                m.create(lengths, shape),
                java.util.Optional.empty());
        return padded ? tensors.withMask(m.create(mask, shape)) : tensors;
    }

    /**
     * Summary counts for logs and metrics: pairs, groups, sequences, dropped items,
     * {@code groups_without_pair} (see {@link #groupsWithoutPair()}); the online
     * rollouts in the batch and the labels they carry ({@code online_labels}: one per scored
     * completion, else the label count of a rollout with pairwise judgements only), and
     * {@code label_reward_mean}, the mean reward of the scored completions (the proxy when a reward
     * model labels, the gold reward under rule labeling).
     */
    public Map<String, Double> counts() {
        var m = new LinkedHashMap<String, Double>();
        m.put("offline_pairs", (double) offlinePairs.size());
        m.put("online_pairs", (double) onlinePairs.size());
        m.put("groups", (double) groupCount());
        m.put("sequences", (double) sequences.size());
        m.put("dropped", (double)
                dropped.values().stream().mapToInt(Integer::intValue).sum());
        m.put("groups_without_pair", (double) groupsWithoutPair);
        m.put("online_rollouts", (double) onlineRollouts);
        m.put("online_labels", (double) onlineLabels);
        if (labelRewardCount > 0) {
            m.put("label_reward_mean", labelRewardSum / labelRewardCount);
        }
        return m;
    }
}
