package io.prefstream.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.norm.LayerNorm;
import io.prefstream.model.LmConfig;
import java.util.SplittableRandom;

/**
 * The pre-LayerNorm GPT trunk shared by the language and reward models:
 * {@code x = wte[tok] + wpe[pos]}; per block {@code x += Attn(LN1(x)); x += MLP(LN2(x))};
 * output {@code LN_f(x)}. Attention is causal multi-head
 * {@code softmax(Q Kᵀ / √D + mask) V} where the mask adds −1e9 for future positions and pad keys.
 *
 * <p>Dimensions: B batch, T query positions in this call, S key positions (cached + new),
 * C d_model, H heads, D = C/H head size, F d_ff.
 *
 * <p>Every result is created in the manager of the {@code tokens} argument (the caller's scope);
 * parameters are never the first operand of an op that would put results in their manager.
 */
public final class Transformer {

    private static final float MASKED = -1e9f;
    private static final float LN_EPS = 1e-5f;

    /** The built-in language model: this trunk and an untied linear head with bias, {@code h W_head + b_head}. */
    static final Architecture LANGUAGE_MODEL = new Architecture() {
        @Override
        public void init(ParameterInit p, LmConfig c, SplittableRandom rng) {
            Transformer.init(p, c, rng);
            p.addNormal("head.w", new Shape(c.dModel(), c.vocabSize()), 0.02, rng);
            p.addConstant("head.b", new Shape(c.vocabSize()), 0f);
        }

        @Override
        public NDArray logits(
                ParameterStore p, LmConfig c, NDArray tokens, NDArray positions, NDArray keyMask, KvCache cache) {
            NDArray h = hidden(p, c, tokens, positions, keyMask, cache); // (B, T, C)
            return h.matMul(p.get("head.w")).add(p.get("head.b")); // (B, T, V)
        }
    };

    private Transformer() {}

    /** Adds the trunk parameters (GPT-2 init: N(0, 0.02), residual projections scaled by 1/√(2N)). */
    public static void init(ParameterInit p, LmConfig c, SplittableRandom rng) {
        int C = c.dModel();
        double std = 0.02;
        double residualStd = std / Math.sqrt(2.0 * c.nLayers());
        p.addNormal("wte", new Shape(c.vocabSize(), C), std, rng);
        p.addNormal("wpe", new Shape(c.maxSeqLen(), C), std, rng);
        for (int l = 0; l < c.nLayers(); l++) {
            String b = "h" + l + ".";
            p.addConstant(b + "ln1.g", new Shape(C), 1f);
            p.addConstant(b + "ln1.b", new Shape(C), 0f);
            p.addNormal(b + "attn.qkv.w", new Shape(C, 3L * C), std, rng);
            p.addConstant(b + "attn.qkv.b", new Shape(3L * C), 0f);
            p.addNormal(b + "attn.out.w", new Shape(C, C), residualStd, rng);
            p.addConstant(b + "attn.out.b", new Shape(C), 0f);
            p.addConstant(b + "ln2.g", new Shape(C), 1f);
            p.addConstant(b + "ln2.b", new Shape(C), 0f);
            p.addNormal(b + "mlp.fc.w", new Shape(C, c.dFf()), std, rng);
            p.addConstant(b + "mlp.fc.b", new Shape(c.dFf()), 0f);
            p.addNormal(b + "mlp.proj.w", new Shape(c.dFf(), C), residualStd, rng);
            p.addConstant(b + "mlp.proj.b", new Shape(C), 0f);
        }
        p.addConstant("lnf.g", new Shape(C), 1f);
        p.addConstant("lnf.b", new Shape(C), 0f);
    }

    /**
     * Hidden states after the final LayerNorm.
     *
     * @param tokens (B, T) int64 ids of the new positions
     * @param positions (B, T) int64 position ids
     * @param keyMask (B, S) float 1 = attend, 0 = pad; S = cached length + T
     * @param cache keys/values of earlier positions, appended to; null for a full forward
     * @return (B, T, C)
     */
    public static NDArray hidden(
            ParameterStore p, LmConfig c, NDArray tokens, NDArray positions, NDArray keyMask, KvCache cache) {
        NDManager scope = tokens.getManager();
        long B = tokens.getShape().get(0);
        long T = tokens.getShape().get(1);
        long S = keyMask.getShape().get(1);
        requireKeys(keyMask, T, cache);
        NDArray x = p.get("wte")
                .get(scope, new NDIndex("{}", tokens)) // (B, T, C)
                .add(p.get("wpe").get(scope, new NDIndex("{}", positions)));
        NDArray bias = attentionBias(scope, keyMask, T, S); // (B, 1, T, S)
        for (int l = 0; l < c.nLayers(); l++) {
            String b = "h" + l + ".";
            NDArray h = layerNorm(x, p.get(b + "ln1.g"), p.get(b + "ln1.b"));
            x = x.add(attention(p, c, b, l, h, bias, cache, B, T));
            h = layerNorm(x, p.get(b + "ln2.g"), p.get(b + "ln2.b"));
            NDArray mlp = Activation.gelu(h.matMul(p.get(b + "mlp.fc.w")).add(p.get(b + "mlp.fc.b"))) // (B, T, F)
                    .matMul(p.get(b + "mlp.proj.w"))
                    .add(p.get(b + "mlp.proj.b")); // (B, T, C)
            x = x.add(mlp);
        }
        return layerNorm(x, p.get("lnf.g"), p.get("lnf.b"));
    }

    private static NDArray attention(
            ParameterStore p, LmConfig c, String b, int layer, NDArray h, NDArray bias, KvCache cache, long B, long T) {
        long H = c.nHeads();
        long D = c.headDim();
        long C = c.dModel();
        NDArray qkv = h.matMul(p.get(b + "attn.qkv.w")).add(p.get(b + "attn.qkv.b")); // (B, T, 3C)
        var parts = qkv.split(3, 2); // 3 × (B, T, C)
        NDArray q = parts.get(0).reshape(B, T, H, D).transpose(0, 2, 1, 3); // (B, H, T, D)
        NDArray k = parts.get(1).reshape(B, T, H, D).transpose(0, 2, 1, 3);
        NDArray v = parts.get(2).reshape(B, T, H, D).transpose(0, 2, 1, 3);
        if (cache != null) {
            NDArray[] kv = cache.append(layer, k, v); // (B, H, S, D)
            k = kv[0];
            v = kv[1];
        }
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)); // (B, H, T, S)
        NDArray att = scores.mul(NativeScalar.of(scores, 1.0 / Math.sqrt(D))) // (B, H, T, S)
                .add(bias)
                .softmax(-1);
        NDArray y = att.matMul(v) // (B, H, T, D)
                .transpose(0, 2, 1, 3)
                .reshape(B, T, C); // (B, T, C)
        return y.matMul(p.get(b + "attn.out.w")).add(p.get(b + "attn.out.b"));
    }

    /** Throws unless the key mask covers the cached positions plus the {@code T} new ones. */
    static void requireKeys(NDArray keyMask, long T, KvCache cache) {
        long S = keyMask.getShape().get(1);
        long cached = cache == null ? 0 : cache.length();
        if (S != cached + T) {
            throw new IllegalArgumentException(
                    "key mask covers " + S + " positions, expected cached " + cached + " + new " + T);
        }
    }

    /** −1e9 where key j is a pad or lies after query i (queries are the last T of S positions). */
    static NDArray attentionBias(NDManager scope, NDArray keyMask, long T, long S) {
        float[] causal = new float[Math.toIntExact(T * S)];
        for (int i = 0; i < T; i++) {
            long lastAllowed = S - T + i;
            for (int j = 0; j < S; j++) {
                causal[(int) (i * S + j)] = j <= lastAllowed ? 0f : MASKED;
            }
        }
        long B = keyMask.getShape().get(0);
        NDArray padBias = keyMask.sub(1f).mul(-MASKED).reshape(B, 1, 1, S); // (B, 1, 1, S)
        try (NDArray javaBacked = scope.create(causal, new Shape(1, 1, T, S))) {
            return padBias.add(javaBacked); // (B, 1, T, S)
        }
    }

    private static NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta) {
        return LayerNorm.layerNorm(x, new Shape(x.getShape().getLastDimension()), gamma, beta, LN_EPS)
                .singletonOrThrow();
    }
}
