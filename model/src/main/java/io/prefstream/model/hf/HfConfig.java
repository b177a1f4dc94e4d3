package io.prefstream.model.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefstream.model.LmConfig;
import io.prefstream.model.LmConfig.Family;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Hugging Face {@code config.json} ↔ {@link LmConfig}, for {@code model_type} llama, qwen2 and gpt2.
 *
 * <p>Every key that changes what the network computes is read or checked: a value this
 * implementation does not compute (another {@code hidden_act}, RoPE scaling, sliding-window
 * attention, cross-attention, quantization, ...) is an error naming the key and the value, never a
 * silently different model. Keys that only concern training or generation (dropout, use_cache,
 * initializer_range) are ignored.
 */
public final class HfConfig {

    public static final String FILE = "config.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private HfConfig() {}

    /** Reads and checks {@code dir/config.json}. */
    public static LmConfig read(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no " + FILE + " in " + dir + "; expected a Hugging Face model folder"
                    + " (config.json, model.safetensors, tokenizer.json)");
        }
        try {
            return parse(JSON.readTree(file.toFile()), file.toString());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot parse " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses a config object; {@code where} names it in errors. */
    public static LmConfig parse(JsonNode c, String where) {
        String type = c.path("model_type").asText("");
        if (c.hasNonNull("quantization_config")) {
            throw new IllegalArgumentException(
                    where + ": quantized checkpoints (quantization_config) are not supported;"
                            + " expected float32, float16 or bfloat16 weights");
        }
        return switch (type) {
            case "llama", "qwen2" -> rotary(c, where, Family.of(type));
            case "gpt2" -> gpt2(c, where);
            default ->
                throw new IllegalArgumentException(
                        where + ": unsupported model_type '" + type + "'; supported: llama, qwen2, gpt2");
        };
    }

    private static LmConfig rotary(JsonNode c, String where, Family family) {
        requireValue(c, where, "hidden_act", Set.of("silu"), "silu");
        int hidden = requiredInt(c, where, "hidden_size");
        int heads = requiredInt(c, where, "num_attention_heads");
        int kvHeads = c.hasNonNull("num_key_value_heads")
                ? c.get("num_key_value_heads").asInt()
                : heads;
        int headDim = c.hasNonNull("head_dim") ? c.get("head_dim").asInt() : hidden / heads;
        JsonNode ropeParams = c.path("rope_parameters");
        double theta = ropeParams.hasNonNull("rope_theta")
                ? ropeParams.get("rope_theta").asDouble()
                : c.hasNonNull("rope_theta") ? c.get("rope_theta").asDouble() : 10000.0;
        String ropeType = ropeParams.hasNonNull("rope_type")
                ? ropeParams.get("rope_type").asText()
                : c.path("rope_scaling").hasNonNull("rope_type")
                        ? c.path("rope_scaling").get("rope_type").asText()
                        : c.path("rope_scaling").hasNonNull("type")
                                ? c.path("rope_scaling").get("type").asText()
                                : "default";
        if (!ropeType.equals("default")) {
            throw new IllegalArgumentException(where + ": rope_type '" + ropeType + "' (RoPE scaling) is not supported;"
                    + " expected 'default' (no scaling)");
        }
        if (c.hasNonNull("partial_rotary_factor")
                && c.get("partial_rotary_factor").asDouble() != 1.0) {
            throw new IllegalArgumentException(where + ": partial_rotary_factor " + c.get("partial_rotary_factor")
                    + " is not supported; expected 1.0");
        }
        boolean attentionBias;
        boolean outputBias;
        boolean mlpBias;
        if (family == Family.QWEN2) {
            if (c.path("use_sliding_window").asBoolean(false)) {
                throw new IllegalArgumentException(
                        where + ": use_sliding_window true is not supported; expected false");
            }
            for (JsonNode t : c.path("layer_types")) {
                if (!t.asText().equals("full_attention")) {
                    throw new IllegalArgumentException(
                            where + ": layer_types contains '" + t.asText() + "'; only full_attention is supported");
                }
            }
            attentionBias = true;
            outputBias = false;
            mlpBias = false;
        } else {
            attentionBias = c.path("attention_bias").asBoolean(false);
            outputBias = attentionBias;
            mlpBias = c.path("mlp_bias").asBoolean(false);
        }
        return new LmConfig(
                family,
                requiredInt(c, where, "vocab_size"),
                hidden,
                requiredInt(c, where, "num_hidden_layers"),
                heads,
                kvHeads,
                headDim,
                requiredInt(c, where, "intermediate_size"),
                requiredInt(c, where, "max_position_embeddings"),
                c.hasNonNull("rms_norm_eps") ? c.get("rms_norm_eps").asDouble() : 1e-6,
                theta,
                attentionBias,
                outputBias,
                mlpBias,
                c.path("tie_word_embeddings").asBoolean(false),
                "silu");
    }

    private static LmConfig gpt2(JsonNode c, String where) {
        requireValue(c, where, "activation_function", Set.of("gelu_new", "gelu_pytorch_tanh"), "gelu_new");
        if (!c.path("scale_attn_weights").asBoolean(true)) {
            throw new IllegalArgumentException(where + ": scale_attn_weights false is not supported; expected true");
        }
        if (c.path("scale_attn_by_inverse_layer_idx").asBoolean(false)) {
            throw new IllegalArgumentException(
                    where + ": scale_attn_by_inverse_layer_idx true is not supported; expected false");
        }
        if (c.path("add_cross_attention").asBoolean(false)) {
            throw new IllegalArgumentException(where + ": add_cross_attention true is not supported; expected false");
        }
        int embd = requiredInt(c, where, "n_embd");
        int heads = requiredInt(c, where, "n_head");
        int inner = c.hasNonNull("n_inner") ? c.get("n_inner").asInt() : 4 * embd;
        return new LmConfig(
                Family.GPT2,
                requiredInt(c, where, "vocab_size"),
                embd,
                requiredInt(c, where, "n_layer"),
                heads,
                heads,
                embd / heads,
                inner,
                requiredInt(c, where, "n_positions"),
                c.hasNonNull("layer_norm_epsilon") ? c.get("layer_norm_epsilon").asDouble() : 1e-5,
                0,
                true,
                true,
                true,
                c.path("tie_word_embeddings").asBoolean(true),
                "gelu_new");
    }

    private static void requireValue(JsonNode c, String where, String key, Set<String> allowed, String dflt) {
        String v = c.path(key).asText(dflt);
        if (!allowed.contains(v)) {
            throw new IllegalArgumentException(
                    where + ": " + key + " '" + v + "' is not supported; expected one of " + allowed);
        }
    }

    private static int requiredInt(JsonNode c, String where, String key) {
        JsonNode v = c.get(key);
        if (v == null || !v.canConvertToInt()) {
            throw new IllegalArgumentException(
                    where + ": expected an integer '" + key + "', found " + (v == null ? "no such key" : v.toString()));
        }
        return v.asInt();
    }

    /**
     * The config.json transformers needs to build {@code config}'s model (float32 weights), with the
     * special ids of {@code tokenizer} (or none when null).
     */
    public static ObjectNode toJson(LmConfig config, HfTokenizer tokenizer) {
        if (!config.family().huggingFace()) {
            throw new IllegalArgumentException("the built-in " + config.family().id() + " model has no Hugging Face"
                    + " architecture; export needs a llama, qwen2 or gpt2 policy");
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("model_type", config.family().id());
        o.putArray("architectures")
                .add(
                        switch (config.family()) {
                            case LLAMA -> "LlamaForCausalLM";
                            case QWEN2 -> "Qwen2ForCausalLM";
                            default -> "GPT2LMHeadModel";
                        });
        o.put("vocab_size", config.vocabSize());
        o.put("tie_word_embeddings", config.tiedEmbeddings());
        o.put("torch_dtype", "float32");
        if (config.family() == Family.GPT2) {
            o.put("n_embd", config.dModel());
            o.put("n_layer", config.nLayers());
            o.put("n_head", config.nHeads());
            o.put("n_inner", config.dFf());
            o.put("n_positions", config.maxSeqLen());
            o.put("layer_norm_epsilon", config.normEps());
            o.put("activation_function", "gelu_new");
        } else {
            o.put("hidden_size", config.dModel());
            o.put("intermediate_size", config.dFf());
            o.put("num_hidden_layers", config.nLayers());
            o.put("num_attention_heads", config.nHeads());
            o.put("num_key_value_heads", config.nKvHeads());
            o.put("head_dim", config.headDim());
            o.put("max_position_embeddings", config.maxSeqLen());
            o.put("rms_norm_eps", config.normEps());
            o.put("rope_theta", config.ropeTheta());
            o.put("hidden_act", "silu");
            if (config.family() == Family.LLAMA) {
                o.put("attention_bias", config.attentionBias());
                o.put("mlp_bias", config.mlpBias());
            } else {
                o.put("use_sliding_window", false);
            }
        }
        if (tokenizer != null) {
            if (tokenizer.bos() >= 0) {
                o.put("bos_token_id", tokenizer.bos());
            }
            int[] eos = tokenizer.eosIds();
            if (eos.length == 1) {
                o.put("eos_token_id", eos[0]);
            } else if (eos.length > 1) {
                var arr = o.putArray("eos_token_id");
                for (int e : eos) {
                    arr.add(e);
                }
            }
        }
        return o;
    }
}
