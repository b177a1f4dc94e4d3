package io.prefstream.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import io.prefstream.model.LmConfig;
import java.util.SplittableRandom;

/**
 * The Llama family (also Qwen2, which adds q/k/v biases), as Hugging Face transformers defines it:
 * {@code x = E[tok]}; per block {@code x += Attn(RMSNorm₁(x)); x += MLP(RMSNorm₂(x))}; output
 * {@code RMSNorm_f(x) Wᵀ} with {@code W = lm_head} or {@code E} when tied.
 *
 * <ul>
 *   <li>{@code RMSNorm(x) = w ⊙ x / √(mean(x²) + ε)};</li>
 *   <li>attention: {@code softmax(R(Q) R(K)ᵀ / √D + mask) V}, each key/value head shared by
 *       {@code H / H_kv} query heads (grouped-query attention);</li>
 *   <li>RoPE {@code R(x) = x cos θ_p + rotate_half(x) sin θ_p}, {@code θ_p,i = p · base^(−2i/D)} for
 *       {@code i < D/2}, repeated over both halves; {@code rotate_half([x₁, x₂]) = [−x₂, x₁]};</li>
 *   <li>{@code MLP(x) = W_down (silu(W_gate x) ⊙ W_up x)}.</li>
 * </ul>
 *
 * <p>Parameters carry transformers' names and layouts ({@code (out, in)} linear weights), so Hugging
 * Face checkpoints load and export without renaming.
 *
 * <p>Dimensions: B batch, T new positions, S keys, C hidden size, H query heads, G key/value heads,
 * D head size, F intermediate size, V vocabulary.
 */
final class Llama implements Architecture {

    static final Llama INSTANCE = new Llama();

    private Llama() {}

    @Override
    public void init(ParameterInit p, LmConfig c, SplittableRandom rng) {
        long C = c.dModel();
        long qOut = (long) c.nHeads() * c.headDim();
        long kvOut = (long) c.nKvHeads() * c.headDim();
        double std = 0.02;
        p.addNormal("model.embed_tokens.weight", new Shape(c.vocabSize(), C), std, rng);
        for (int l = 0; l < c.nLayers(); l++) {
            String b = "model.layers." + l + ".";
            p.addConstant(b + "input_layernorm.weight", new Shape(C), 1f);
            linear(p, b + "self_attn.q_proj", qOut, C, c.attentionBias(), std, rng);
            linear(p, b + "self_attn.k_proj", kvOut, C, c.attentionBias(), std, rng);
            linear(p, b + "self_attn.v_proj", kvOut, C, c.attentionBias(), std, rng);
            linear(p, b + "self_attn.o_proj", C, qOut, c.outputBias(), std, rng);
            p.addConstant(b + "post_attention_layernorm.weight", new Shape(C), 1f);
            linear(p, b + "mlp.gate_proj", c.dFf(), C, c.mlpBias(), std, rng);
            linear(p, b + "mlp.up_proj", c.dFf(), C, c.mlpBias(), std, rng);
            linear(p, b + "mlp.down_proj", C, c.dFf(), c.mlpBias(), std, rng);
        }
        p.addConstant("model.norm.weight", new Shape(C), 1f);
        if (!c.tiedEmbeddings()) {
            p.addNormal("lm_head.weight", new Shape(c.vocabSize(), C), std, rng);
        }
    }

    private static void linear(
            ParameterInit p, String name, long out, long in, boolean bias, double std, SplittableRandom rng) {
        p.addNormal(name + ".weight", new Shape(out, in), std, rng);
        if (bias) {
            p.addConstant(name + ".bias", new Shape(out), 0f);
        }
    }

    @Override
    public NDArray logits(
            ParameterStore p, LmConfig c, NDArray tokens, NDArray positions, NDArray keyMask, KvCache cache) {
        NDManager scope = tokens.getManager();
        long T = tokens.getShape().get(1);
        long S = keyMask.getShape().get(1);
        Transformer.requireKeys(keyMask, T, cache);
        NDArray x = p.get("model.embed_tokens.weight").get(scope, new NDIndex("{}", tokens)); // (B, T, C)
        NDArray bias = Transformer.attentionBias(scope, keyMask, T, S); // (B, 1, T, S)
        NDArray[] rope = rotary(scope, c, positions); // 2 × (B, 1, T, D)
        for (int l = 0; l < c.nLayers(); l++) {
            String b = "model.layers." + l + ".";
            NDArray h = rmsNorm(x, p.get(b + "input_layernorm.weight"), c.normEps());
            x = x.add(attention(p, c, b, l, h, rope, bias, cache));
            h = rmsNorm(x, p.get(b + "post_attention_layernorm.weight"), c.normEps());
            NDArray gate = linear(p, b + "mlp.gate_proj", h); // (B, T, F)
            NDArray up = linear(p, b + "mlp.up_proj", h); // (B, T, F)
            x = x.add(linear(
                    p, b + "mlp.down_proj", gate.mul(Activation.sigmoid(gate)).mul(up))); // (B, T, C)
        }
        x = rmsNorm(x, p.get("model.norm.weight"), c.normEps());
        NDArray head = c.tiedEmbeddings() ? p.get("model.embed_tokens.weight") : p.get("lm_head.weight");
        return Linear.linear(x, head).singletonOrThrow(); // (B, T, V)
    }

    private static NDArray attention(
            ParameterStore p, LmConfig c, String b, int layer, NDArray h, NDArray[] rope, NDArray bias, KvCache cache) {
        long B = h.getShape().get(0);
        long T = h.getShape().get(1);
        long H = c.nHeads();
        long G = c.nKvHeads();
        long D = c.headDim();
        NDArray q = linear(p, b + "self_attn.q_proj", h).reshape(B, T, H, D).transpose(0, 2, 1, 3); // (B, H, T, D)
        NDArray k = linear(p, b + "self_attn.k_proj", h).reshape(B, T, G, D).transpose(0, 2, 1, 3); // (B, G, T, D)
        NDArray v = linear(p, b + "self_attn.v_proj", h).reshape(B, T, G, D).transpose(0, 2, 1, 3); // (B, G, T, D)
        q = applyRotary(q, rope);
        k = applyRotary(k, rope);
        if (cache != null) {
            NDArray[] kv = cache.append(layer, k, v); // (B, G, S, D)
            k = kv[0];
            v = kv[1];
        }
        if (G != H) {
            k = k.repeat(1, H / G); // (B, H, S, D)
            v = v.repeat(1, H / G);
        }
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)); // (B, H, T, S)
        NDArray att = scores.mul(NativeScalar.of(scores, 1.0 / Math.sqrt(D)))
                .add(bias)
                .softmax(-1);
        NDArray y = att.matMul(v).transpose(0, 2, 1, 3).reshape(B, T, H * D); // (B, T, H·D)
        return linear(p, b + "self_attn.o_proj", y); // (B, T, C)
    }

    /** cos and sin of the rotary angles, each (B, 1, T, D); float32 as transformers computes them. */
    private static NDArray[] rotary(NDManager scope, LmConfig c, NDArray positions) {
        int half = c.headDim() / 2;
        float[] invFreq = new float[half];
        for (int i = 0; i < half; i++) {
            float exponent = (float) (2 * i) / c.headDim();
            invFreq[i] = (float) (1.0 / Math.pow(c.ropeTheta(), exponent));
        }
        NDArray freqs;
        try (NDArray inv = scope.create(invFreq, new Shape(half))) {
            freqs = positions.toType(DataType.FLOAT32, false).expandDims(-1).mul(inv); // (B, T, D/2)
        }
        NDArray angles = freqs.concat(freqs, -1).expandDims(1); // (B, 1, T, D)
        return new NDArray[] {angles.cos(), angles.sin()};
    }

    private static NDArray applyRotary(NDArray x, NDArray[] rope) {
        long D = x.getShape().getLastDimension();
        NDArray x1 = x.get("..., :" + D / 2); // (B, H, T, D/2)
        NDArray x2 = x.get("..., " + D / 2 + ":");
        NDArray rotated = x2.neg().concat(x1, -1); // (B, H, T, D)
        return x.mul(rope[0]).add(rotated.mul(rope[1]));
    }

    private static NDArray linear(ParameterStore p, String name, NDArray x) {
        String bias = name + ".bias";
        return p.has(bias)
                ? Linear.linear(x, p.get(name + ".weight"), p.get(bias)).singletonOrThrow()
                : Linear.linear(x, p.get(name + ".weight")).singletonOrThrow();
    }

    /** transformers' LlamaRMSNorm: {@code w ⊙ x · rsqrt(mean(x²) + ε)} over the last axis. */
    static NDArray rmsNorm(NDArray x, NDArray weight, double eps) {
        NDArray variance = x.mul(x).mean(new int[] {-1}, true); // (B, T, 1)
        NDArray inv = variance.add((float) eps).sqrt();
        return x.div(inv).mul(weight);
    }
}
