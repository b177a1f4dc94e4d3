package io.prefstream.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import io.prefstream.model.LmConfig;
import java.util.SplittableRandom;

/**
 * The GPT-2 family as Hugging Face transformers defines it: {@code x = wte[tok] + wpe[pos]}; per
 * block {@code x += Attn(LN₁(x)); x += MLP(LN₂(x))}; output {@code LN_f(x) Wᵀ} with
 * {@code W = wte} when tied (GPT-2's default) or {@code lm_head}.
 *
 * <p>Weights are transformers' Conv1D layout {@code (in, out)}, so a projection is {@code x W + b};
 * attention is {@code softmax(Q Kᵀ / √D + mask) V} over the fused {@code c_attn} projection;
 * {@code MLP(x) = gelu_new(x W_fc + b_fc) W_proj + b_proj} with
 * {@code gelu_new(x) = ½x(1 + tanh(√(2/π)(x + 0.044715x³)))}.
 *
 * <p>Dimensions: B batch, T new positions, S keys, C n_embd, H heads, D = C / H, F n_inner, V vocabulary.
 */
final class Gpt2 implements Architecture {

    static final Gpt2 INSTANCE = new Gpt2();
    private static final double GELU_NEW_SCALE = Math.sqrt(2.0 / Math.PI);

    private Gpt2() {}

    @Override
    public void init(ParameterInit p, LmConfig c, SplittableRandom rng) {
        long C = c.dModel();
        double std = 0.02;
        double residualStd = std / Math.sqrt(2.0 * c.nLayers());
        p.addNormal("transformer.wte.weight", new Shape(c.vocabSize(), C), std, rng);
        p.addNormal("transformer.wpe.weight", new Shape(c.maxSeqLen(), C), std, rng);
        for (int l = 0; l < c.nLayers(); l++) {
            String b = "transformer.h." + l + ".";
            p.addConstant(b + "ln_1.weight", new Shape(C), 1f);
            p.addConstant(b + "ln_1.bias", new Shape(C), 0f);
            p.addNormal(b + "attn.c_attn.weight", new Shape(C, 3 * C), std, rng);
            p.addConstant(b + "attn.c_attn.bias", new Shape(3 * C), 0f);
            p.addNormal(b + "attn.c_proj.weight", new Shape(C, C), residualStd, rng);
            p.addConstant(b + "attn.c_proj.bias", new Shape(C), 0f);
            p.addConstant(b + "ln_2.weight", new Shape(C), 1f);
            p.addConstant(b + "ln_2.bias", new Shape(C), 0f);
            p.addNormal(b + "mlp.c_fc.weight", new Shape(C, c.dFf()), std, rng);
            p.addConstant(b + "mlp.c_fc.bias", new Shape(c.dFf()), 0f);
            p.addNormal(b + "mlp.c_proj.weight", new Shape(c.dFf(), C), residualStd, rng);
            p.addConstant(b + "mlp.c_proj.bias", new Shape(C), 0f);
        }
        p.addConstant("transformer.ln_f.weight", new Shape(C), 1f);
        p.addConstant("transformer.ln_f.bias", new Shape(C), 0f);
        if (!c.tiedEmbeddings()) {
            p.addNormal("lm_head.weight", new Shape(c.vocabSize(), C), std, rng);
        }
    }

    @Override
    public NDArray logits(
            ParameterStore p, LmConfig c, NDArray tokens, NDArray positions, NDArray keyMask, KvCache cache) {
        NDManager scope = tokens.getManager();
        long T = tokens.getShape().get(1);
        long S = keyMask.getShape().get(1);
        Transformer.requireKeys(keyMask, T, cache);
        NDArray x = p.get("transformer.wte.weight")
                .get(scope, new NDIndex("{}", tokens)) // (B, T, C)
                .add(p.get("transformer.wpe.weight").get(scope, new NDIndex("{}", positions)));
        NDArray bias = Transformer.attentionBias(scope, keyMask, T, S); // (B, 1, T, S)
        for (int l = 0; l < c.nLayers(); l++) {
            String b = "transformer.h." + l + ".";
            NDArray h = layerNorm(x, p, b + "ln_1", c);
            x = x.add(attention(p, c, b, l, h, bias, cache));
            h = layerNorm(x, p, b + "ln_2", c);
            NDArray fc = geluNew(conv1d(p, b + "mlp.c_fc", h)); // (B, T, F)
            x = x.add(conv1d(p, b + "mlp.c_proj", fc)); // (B, T, C)
        }
        x = layerNorm(x, p, "transformer.ln_f", c);
        NDArray head = c.tiedEmbeddings() ? p.get("transformer.wte.weight") : p.get("lm_head.weight");
        return Linear.linear(x, head).singletonOrThrow(); // (B, T, V)
    }

    private static NDArray attention(
            ParameterStore p, LmConfig c, String b, int layer, NDArray h, NDArray bias, KvCache cache) {
        long B = h.getShape().get(0);
        long T = h.getShape().get(1);
        long H = c.nHeads();
        long D = c.headDim();
        var parts = conv1d(p, b + "attn.c_attn", h).split(3, 2); // 3 × (B, T, C)
        NDArray q = parts.get(0).reshape(B, T, H, D).transpose(0, 2, 1, 3); // (B, H, T, D)
        NDArray k = parts.get(1).reshape(B, T, H, D).transpose(0, 2, 1, 3);
        NDArray v = parts.get(2).reshape(B, T, H, D).transpose(0, 2, 1, 3);
        if (cache != null) {
            NDArray[] kv = cache.append(layer, k, v); // (B, H, S, D)
            k = kv[0];
            v = kv[1];
        }
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)); // (B, H, T, S)
        NDArray att = scores.mul(NativeScalar.of(scores, 1.0 / Math.sqrt(D)))
                .add(bias)
                .softmax(-1);
        NDArray y = att.matMul(v).transpose(0, 2, 1, 3).reshape(B, T, H * D); // (B, T, C)
        return conv1d(p, b + "attn.c_proj", y);
    }

    /** transformers' Conv1D: {@code x W + b} with W stored (in, out). */
    private static NDArray conv1d(ParameterStore p, String name, NDArray x) {
        return x.matMul(p.get(name + ".weight")).add(p.get(name + ".bias"));
    }

    private static NDArray geluNew(NDArray x) {
        NDArray cube = x.mul(x).mul(x);
        NDArray inner = x.add(cube.mul(NativeScalar.of(x, 0.044715))).mul(NativeScalar.of(x, GELU_NEW_SCALE));
        return x.mul(NativeScalar.of(x, 0.5)).mul(inner.tanh().add(1f));
    }

    private static NDArray layerNorm(NDArray x, ParameterStore p, String name, LmConfig c) {
        return LayerNorm.layerNorm(
                        x,
                        new Shape(x.getShape().getLastDimension()),
                        p.get(name + ".weight"),
                        p.get(name + ".bias"),
                        (float) c.normEps())
                .singletonOrThrow();
    }
}
