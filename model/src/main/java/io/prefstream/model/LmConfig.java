package io.prefstream.model;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Shape of a pre-LayerNorm GPT: token and learned position embeddings, {@code nLayers} blocks of
 * causal multi-head self-attention and a GELU MLP, a final LayerNorm and an output head.
 *
 * <p>Parameter count: {@code V·C + L·C + N·(2·2C + 3C² + 3C + C² + C + 2·C·F + F + C) + 2C + head},
 * with {@code head = C·V + V} for the LM and {@code C + 1} for the reward model
 * ({@code V} vocab, {@code C} d_model, {@code L} max_seq_len, {@code N} layers, {@code F} d_ff).
 *
 * @param vocabSize number of token ids, specials included
 * @param dModel width C; divisible by {@code nHeads}
 * @param nLayers number of transformer blocks
 * @param nHeads attention heads
 * @param dFf MLP hidden width
 * @param maxSeqLen longest prompt + response the position table covers
 */
public record LmConfig(int vocabSize, int dModel, int nLayers, int nHeads, int dFf, int maxSeqLen) {

    public LmConfig {
        requirePositive("vocab_size", vocabSize);
        requirePositive("d_model", dModel);
        requirePositive("n_layers", nLayers);
        requirePositive("n_heads", nHeads);
        requirePositive("d_ff", dFf);
        requirePositive("max_seq_len", maxSeqLen);
        if (dModel % nHeads != 0) {
            throw new IllegalArgumentException("d_model must be divisible by n_heads, found d_model=" + dModel
                    + " n_heads=" + nHeads);
        }
    }

    /** Test profile: 2 layers of width 32; fast enough for unit tests on one core. */
    public static LmConfig tiny(int vocabSize) {
        return new LmConfig(vocabSize, 32, 2, 2, 64, 32);
    }

    /** Default for the arithmetic task: 2 layers of width 64, SFT in well under 3 minutes on 2 cores. */
    public static LmConfig arithmetic(int vocabSize) {
        return new LmConfig(vocabSize, 64, 2, 4, 256, 24);
    }

    /** Head dimension D = C / H. */
    public int headDim() {
        return dModel / nHeads;
    }

    /** Parameters of the shared trunk (embeddings, blocks, final LayerNorm). */
    public long trunkParameterCount() {
        long c = dModel;
        long perBlock = 2 * 2 * c + (c * 3 * c + 3 * c) + (c * c + c) + (c * dFf + dFf) + ((long) dFf * c + c);
        return (long) vocabSize * c + (long) maxSeqLen * c + nLayers * perBlock + 2 * c;
    }

    /** Parameters of the language model: trunk plus output head. */
    public long lmParameterCount() {
        return trunkParameterCount() + (long) dModel * vocabSize + vocabSize;
    }

    /** Parameters of the reward model: trunk plus scalar head. */
    public long rewardParameterCount() {
        return trunkParameterCount() + dModel + 1;
    }

    /** The config as string properties, for checkpoint manifests. */
    public Map<String, String> toProperties() {
        var m = new LinkedHashMap<String, String>();
        m.put("vocab_size", Integer.toString(vocabSize));
        m.put("d_model", Integer.toString(dModel));
        m.put("n_layers", Integer.toString(nLayers));
        m.put("n_heads", Integer.toString(nHeads));
        m.put("d_ff", Integer.toString(dFf));
        m.put("max_seq_len", Integer.toString(maxSeqLen));
        return m;
    }

    /** Reads a config written by {@link #toProperties()}. */
    public static LmConfig fromProperties(Map<String, String> p) {
        return new LmConfig(intKey(p, "vocab_size"), intKey(p, "d_model"), intKey(p, "n_layers"),
                intKey(p, "n_heads"), intKey(p, "d_ff"), intKey(p, "max_seq_len"));
    }

    private static int intKey(Map<String, String> p, String key) {
        String v = p.get(key);
        if (v == null) {
            throw new IllegalArgumentException("model config lacks key '" + key + "'; found keys " + p.keySet());
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("model config key '" + key + "' must be an integer, found '" + v + "'", e);
        }
    }

    private static void requirePositive(String key, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException("model config '" + key + "' must be > 0, found " + value);
        }
    }
}
