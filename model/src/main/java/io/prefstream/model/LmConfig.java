package io.prefstream.model;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Shape of a causal transformer of one {@link Family}.
 *
 * <ul>
 *   <li>{@link Family#PREFSTREAM_GPT} (the built-in model): pre-LayerNorm GPT with learned
 *       positions, exact-GELU MLP, an untied output head with bias;</li>
 *   <li>{@link Family#LLAMA} and {@link Family#QWEN2}: RMSNorm, rotary positions (θ), grouped-query
 *       attention ({@code nKvHeads} key/value heads), SwiGLU MLP; Qwen2 has q/k/v biases;</li>
 *   <li>{@link Family#GPT2}: pre-LayerNorm, learned positions, {@code gelu_new} MLP, Conv1D weights.</li>
 * </ul>
 *
 * <p>Parameter count of the built-in family:
 * {@code V·C + L·C + N·(2·2C + 3C² + 3C + C² + C + 2·C·F + F + C) + 2C + head},
 * with {@code head = C·V + V} for the LM and {@code C + 1} for the reward model
 * ({@code V} vocab, {@code C} d_model, {@code L} max_seq_len, {@code N} layers, {@code F} d_ff).
 *
 * @param family architecture family
 * @param vocabSize number of token ids (rows of the embedding), specials included
 * @param dModel width C
 * @param nLayers number of transformer blocks
 * @param nHeads query heads H
 * @param nKvHeads key/value heads; divides {@code nHeads} (equal to it without grouped-query attention)
 * @param headDim per-head width D (C / H unless a Hugging Face config sets {@code head_dim})
 * @param dFf MLP hidden width
 * @param maxSeqLen longest prompt + response the model covers (position table or RoPE range)
 * @param normEps epsilon of LayerNorm / RMSNorm
 * @param ropeTheta RoPE base θ (rotary families only; 0 otherwise)
 * @param attentionBias whether q/k/v projections have biases (rotary families)
 * @param outputBias whether the attention output projection has a bias (Llama {@code attention_bias})
 * @param mlpBias whether the MLP projections have biases (Llama {@code mlp_bias})
 * @param tiedEmbeddings whether the output head reuses the token embedding
 * @param activation MLP activation: {@code gelu} (built-in), {@code silu}, {@code gelu_new}
 */
public record LmConfig(
        Family family,
        int vocabSize,
        int dModel,
        int nLayers,
        int nHeads,
        int nKvHeads,
        int headDim,
        int dFf,
        int maxSeqLen,
        double normEps,
        double ropeTheta,
        boolean attentionBias,
        boolean outputBias,
        boolean mlpBias,
        boolean tiedEmbeddings,
        String activation) {

    /** Architecture families; {@link #id()} is Hugging Face's {@code model_type}, or ours for the built-in one. */
    public enum Family {
        PREFSTREAM_GPT("prefstream-gpt"),
        LLAMA("llama"),
        QWEN2("qwen2"),
        GPT2("gpt2");

        private final String id;

        Family(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }

        /** Whether the family is a Hugging Face architecture (exportable, loaded from config.json). */
        public boolean huggingFace() {
            return this != PREFSTREAM_GPT;
        }

        /** Whether positions are rotary (RoPE) rather than a learned table. */
        public boolean rotary() {
            return this == LLAMA || this == QWEN2;
        }

        public static Family of(String id) {
            for (Family f : values()) {
                if (f.id.equals(id)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("unsupported model family '" + id + "'; supported: llama, qwen2, gpt2"
                    + " (Hugging Face model_type) and prefstream-gpt (built-in)");
        }
    }

    private static final double BUILTIN_LN_EPS = 1e-5;

    public LmConfig {
        requirePositive("vocab_size", vocabSize);
        requirePositive("d_model", dModel);
        requirePositive("n_layers", nLayers);
        requirePositive("n_heads", nHeads);
        requirePositive("n_kv_heads", nKvHeads);
        requirePositive("head_dim", headDim);
        requirePositive("d_ff", dFf);
        requirePositive("max_seq_len", maxSeqLen);
        if (nHeads % nKvHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads must be a multiple of num_key_value_heads, found "
                    + nHeads + " and " + nKvHeads);
        }
        if (!(normEps > 0)) {
            throw new IllegalArgumentException("norm epsilon must be > 0, found " + normEps);
        }
        if (family.rotary() && (!(ropeTheta > 0) || headDim % 2 != 0)) {
            throw new IllegalArgumentException("rotary positions need rope_theta > 0 and an even head_dim, found "
                    + "rope_theta=" + ropeTheta + " head_dim=" + headDim);
        }
        if (family == Family.PREFSTREAM_GPT || family == Family.GPT2) {
            if (dModel % nHeads != 0 || headDim != dModel / nHeads || nKvHeads != nHeads) {
                throw new IllegalArgumentException(
                        "d_model must be divisible by n_heads with head_dim = d_model/n_heads"
                                + " and no grouped-query attention, found d_model=" + dModel + " n_heads=" + nHeads
                                + " head_dim=" + headDim + " n_kv_heads=" + nKvHeads);
            }
        }
    }

    /** The built-in GPT ({@link Family#PREFSTREAM_GPT}) of the given shape. */
    public LmConfig(int vocabSize, int dModel, int nLayers, int nHeads, int dFf, int maxSeqLen) {
        this(
                Family.PREFSTREAM_GPT,
                vocabSize,
                dModel,
                nLayers,
                nHeads,
                nHeads,
                dModel / Math.max(1, nHeads),
                dFf,
                maxSeqLen,
                BUILTIN_LN_EPS,
                0,
                true,
                true,
                true,
                false,
                "gelu");
    }

    /**
     * A Llama-family config: RMSNorm ε 1e-6, untied head, no biases, SiLU.
     *
     * @param nKvHeads key/value heads (grouped-query attention when fewer than {@code nHeads})
     */
    public static LmConfig llama(
            int vocabSize,
            int dModel,
            int nLayers,
            int nHeads,
            int nKvHeads,
            int dFf,
            int maxSeqLen,
            double ropeTheta) {
        return new LmConfig(
                Family.LLAMA,
                vocabSize,
                dModel,
                nLayers,
                nHeads,
                nKvHeads,
                dModel / nHeads,
                dFf,
                maxSeqLen,
                1e-6,
                ropeTheta,
                false,
                false,
                false,
                false,
                "silu");
    }

    /** Test profile: 2 layers of width 32; fast enough for unit tests on one core. */
    public static LmConfig tiny(int vocabSize) {
        return new LmConfig(vocabSize, 32, 2, 2, 64, 32);
    }

    /** Default for the arithmetic task: 2 layers of width 64, SFT in well under 3 minutes on 2 cores. */
    public static LmConfig arithmetic(int vocabSize) {
        return new LmConfig(vocabSize, 64, 2, 4, 256, 24);
    }

    /** Parameters of the shared trunk of the built-in family (embeddings, blocks, final LayerNorm). */
    public long trunkParameterCount() {
        long c = dModel;
        long perBlock = 2 * 2 * c + (c * 3 * c + 3 * c) + (c * c + c) + (c * dFf + dFf) + ((long) dFf * c + c);
        return (long) vocabSize * c + (long) maxSeqLen * c + nLayers * perBlock + 2 * c;
    }

    /** Parameters of a built-in language model: trunk plus output head. */
    public long lmParameterCount() {
        return trunkParameterCount() + (long) dModel * vocabSize + vocabSize;
    }

    /** Parameters of the reward model: trunk plus scalar head. */
    public long rewardParameterCount() {
        return trunkParameterCount() + dModel + 1;
    }

    /** The config as string properties, for checkpoint manifests; the built-in family keeps its original keys. */
    public Map<String, String> toProperties() {
        var m = new LinkedHashMap<String, String>();
        m.put("vocab_size", Integer.toString(vocabSize));
        m.put("d_model", Integer.toString(dModel));
        m.put("n_layers", Integer.toString(nLayers));
        m.put("n_heads", Integer.toString(nHeads));
        m.put("d_ff", Integer.toString(dFf));
        m.put("max_seq_len", Integer.toString(maxSeqLen));
        if (family != Family.PREFSTREAM_GPT) {
            m.put("family", family.id());
            m.put("n_kv_heads", Integer.toString(nKvHeads));
            m.put("head_dim", Integer.toString(headDim));
            m.put("norm_eps", Double.toString(normEps));
            m.put("rope_theta", Double.toString(ropeTheta));
            m.put("attention_bias", Boolean.toString(attentionBias));
            m.put("output_bias", Boolean.toString(outputBias));
            m.put("mlp_bias", Boolean.toString(mlpBias));
            m.put("tied_embeddings", Boolean.toString(tiedEmbeddings));
            m.put("activation", activation);
        }
        return m;
    }

    /** Reads a config written by {@link #toProperties()}; no {@code family} key means the built-in family. */
    public static LmConfig fromProperties(Map<String, String> p) {
        String family = p.get("family");
        if (family == null || family.equals(Family.PREFSTREAM_GPT.id())) {
            return new LmConfig(
                    intKey(p, "vocab_size"),
                    intKey(p, "d_model"),
                    intKey(p, "n_layers"),
                    intKey(p, "n_heads"),
                    intKey(p, "d_ff"),
                    intKey(p, "max_seq_len"));
        }
        return new LmConfig(
                Family.of(family),
                intKey(p, "vocab_size"),
                intKey(p, "d_model"),
                intKey(p, "n_layers"),
                intKey(p, "n_heads"),
                intKey(p, "n_kv_heads"),
                intKey(p, "head_dim"),
                intKey(p, "d_ff"),
                intKey(p, "max_seq_len"),
                doubleKey(p, "norm_eps"),
                doubleKey(p, "rope_theta"),
                boolKey(p, "attention_bias"),
                boolKey(p, "output_bias"),
                boolKey(p, "mlp_bias"),
                boolKey(p, "tied_embeddings"),
                stringKey(p, "activation"));
    }

    private static String stringKey(Map<String, String> p, String key) {
        String v = p.get(key);
        if (v == null) {
            throw new IllegalArgumentException("model config lacks key '" + key + "'; found keys " + p.keySet());
        }
        return v.trim();
    }

    private static int intKey(Map<String, String> p, String key) {
        String v = stringKey(p, key);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "model config key '" + key + "' must be an integer, found '" + v + "'", e);
        }
    }

    private static double doubleKey(Map<String, String> p, String key) {
        String v = stringKey(p, key);
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("model config key '" + key + "' must be a number, found '" + v + "'", e);
        }
    }

    private static boolean boolKey(Map<String, String> p, String key) {
        String v = stringKey(p, key).toLowerCase(Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException(
                    "model config key '" + key + "' must be true or false, found '" + v + "'");
        }
        return Boolean.parseBoolean(v);
    }

    private static void requirePositive(String key, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException("model config '" + key + "' must be > 0, found " + value);
        }
    }
}
