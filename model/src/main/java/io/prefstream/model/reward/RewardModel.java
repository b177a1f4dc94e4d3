package io.prefstream.model.reward;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.prefstream.model.LmConfig;
import io.prefstream.model.TransformerModel;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.nn.NoGrad;
import io.prefstream.model.nn.ParameterInit;
import io.prefstream.model.nn.ParameterStore;
import io.prefstream.model.nn.TokenBatch;
import io.prefstream.model.nn.Transformer;
import io.prefstream.model.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A scalar reward model: the {@link Transformer} trunk read at the last token of
 * {@code prompt ++ response} (left padding puts it in the last column for every row),
 * {@code r(x, y) = h_{last} · w + b}.
 *
 * <p>Dimensions: B rows, L padded length, C d_model.
 */
public final class RewardModel extends TransformerModel {

    public static final String KIND = "reward";

    public RewardModel(LmConfig config, Tokenizer tokenizer, ParameterStore parameters) {
        super(requireBuiltIn(config), tokenizer, parameters, RewardModel::declare);
    }

    private static LmConfig requireBuiltIn(LmConfig config) {
        if (config.family() != LmConfig.Family.PREFSTREAM_GPT) {
            throw new IllegalArgumentException("reward models use the built-in " + LmConfig.Family.PREFSTREAM_GPT.id()
                    + " trunk, found a " + config.family().id() + " config");
        }
        return config;
    }

    private static void declare(ParameterInit store, LmConfig config, SplittableRandom rng) {
        Transformer.init(store, config, rng);
        initHead(store, config, rng);
    }

    /** A freshly initialised reward model. */
    public static RewardModel create(LmConfig config, Tokenizer tokenizer, Device device, long seed) {
        return new RewardModel(config, tokenizer, initialParameters(config, RewardModel::declare, device, seed));
    }

    /** A reward model whose trunk starts as a copy of {@code policy}'s (a common warm start) and whose head is zero. */
    public static RewardModel fromPolicy(CausalLm policy) {
        var store = ParameterStore.empty(policy.device());
        for (String name : policy.parameters().names()) {
            if (!name.startsWith("head.")) {
                NDArray p = policy.parameters().get(name);
                store.add(name, p.toFloatArray(), p.getShape());
            }
        }
        store.addConstant("reward.w", new Shape(policy.config().dModel(), 1), 0f);
        store.addConstant("reward.b", new Shape(1), 0f);
        return new RewardModel(policy.config(), policy.tokenizer(), store);
    }

    private static void initHead(ParameterInit store, LmConfig config, SplittableRandom rng) {
        store.addNormal("reward.w", new Shape(config.dModel(), 1), 0.02, rng);
        store.addConstant("reward.b", new Shape(1), 0f);
    }

    /** Parameter names and shapes of a reward model with {@code config}. */
    public static Map<String, Shape> layout(LmConfig config) {
        return layout(config, RewardModel::declare);
    }

    /** Left-padded {@code prompt ++ response} rows (prompts with BOS, responses as given). */
    public static TokenBatch batch(List<int[]> prompts, List<int[]> responses, int padId) {
        if (prompts.size() != responses.size()) {
            throw new IllegalArgumentException("need one response per prompt, found " + prompts.size() + " prompts and "
                    + responses.size() + " responses");
        }
        var rows = new ArrayList<int[]>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            int[] p = prompts.get(i);
            int[] r = responses.get(i);
            int[] row = java.util.Arrays.copyOf(p, p.length + r.length);
            System.arraycopy(r, 0, row, p.length, r.length);
            rows.add(row);
        }
        return TokenBatch.leftPadded(rows, padId);
    }

    /**
     * Rewards of the rows of {@code batch}: (B), created in {@code scope}; records a graph when
     * called inside a GradientCollector with a trainable model.
     */
    public NDArray rewards(NDManager scope, TokenBatch batch) {
        if (batch.length() > config().maxSeqLen()) {
            throw new IllegalArgumentException("reward batch has " + batch.length()
                    + " positions but the model's max_seq_len is " + config().maxSeqLen());
        }
        try (NDManager tmp = scope.newSubManager(device())) {
            NDArray h = Transformer.hidden(
                    parameters(),
                    config(),
                    batch.tokens(tmp),
                    batch.positions(tmp),
                    batch.keyMask(tmp),
                    null); // (B, L, C)
            NDArray last = h.get(":, -1, :"); // (B, C)
            NDArray r = last.matMul(parameters().get("reward.w"))
                    .add(parameters().get("reward.b")) // (B, 1)
                    .squeeze(1); // (B)
            r.attach(scope);
            return r;
        }
    }

    /** Scores encoded (prompt, response) pairs without recording a graph. */
    public double[] scoreTokens(List<int[]> prompts, List<int[]> responses) {
        try (NoGrad ignored = NoGrad.enter();
                NDManager scope = NDManager.newBaseManager(device(), "PyTorch")) {
            float[] f =
                    rewards(scope, batch(prompts, responses, tokenizer().pad())).toFloatArray();
            double[] out = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                out[i] = f[i];
            }
            return out;
        }
    }

    /** Scores texts; each response is encoded with EOS appended (a completed response). */
    public double[] score(List<String> prompts, List<String> responses) {
        return scoreTokens(
                prompts.stream().map(tokenizer()::encodePrompt).toList(),
                responses.stream().map(tokenizer()::encodeResponse).toList());
    }

    @Override
    public String kind() {
        return KIND;
    }
}
