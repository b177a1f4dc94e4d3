package io.prefstream.model.hf;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prefstream.model.LmConfig;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.nn.ParameterStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Hugging Face model folders in and out: {@code config.json}, {@code model.safetensors} (or a
 * sharded index), {@code tokenizer.json} and {@code generation_config.json}, the layout
 * transformers and vLLM load.
 *
 * <p>Parameters keep transformers' names, so import maps file tensors one to one onto the
 * family's layout ({@link CausalLm#layout}). Accepted differences: GPT-2 files written without the
 * {@code transformer.} prefix, buffers older transformers saved ({@code attn.bias},
 * {@code attn.masked_bias}, {@code rotary_emb.inv_freq}), and a {@code lm_head.weight} in a tied
 * checkpoint (unused, as in transformers). A missing tensor, a wrong shape or any other tensor is
 * an error that names it.
 */
public final class HuggingFace {

    private static final ObjectMapper JSON = new ObjectMapper();

    private HuggingFace() {}

    /** Whether {@code dir} looks like a Hugging Face model folder (has config.json and safetensors weights). */
    public static boolean isModelFolder(Path dir) {
        return Files.isRegularFile(dir.resolve(HfConfig.FILE)) && SafeTensors.present(dir);
    }

    /** Loads the policy in the Hugging Face folder {@code dir} onto {@code device} (float32 whatever is stored). */
    public static CausalLm load(Path dir, Device device) {
        LmConfig config = HfConfig.read(dir);
        HfTokenizer tokenizer = HfTokenizer.load(dir);
        Map<String, Shape> layout = CausalLm.layout(config);
        var store = ParameterStore.empty(device);
        try (NDManager scratch = NDManager.newBaseManager(device, "PyTorch")) {
            Map<String, SafeTensors.Tensor> tensors = SafeTensors.readModel(dir, scratch);
            var byName = new LinkedHashMap<String, SafeTensors.Tensor>();
            var unexpected = new TreeSet<String>();
            for (var e : tensors.entrySet()) {
                String name = canonical(config, e.getKey());
                if (ignorable(config, name)) {
                    continue;
                }
                if (!layout.containsKey(name)) {
                    unexpected.add(e.getKey());
                } else {
                    byName.put(name, e.getValue());
                }
            }
            var missing = new ArrayList<String>();
            for (var e : layout.entrySet()) {
                var t = byName.get(e.getKey());
                if (t == null) {
                    missing.add(e.getKey());
                } else if (!t.shape().equals(e.getValue())) {
                    throw new IllegalArgumentException(dir + ": tensor '" + e.getKey() + "' has shape " + t.shape()
                            + " but config.json implies " + e.getValue());
                }
            }
            if (!missing.isEmpty() || !unexpected.isEmpty()) {
                throw new IllegalArgumentException(
                        dir + " does not hold a " + config.family().id() + " model of its "
                                + "config.json: " + (missing.isEmpty() ? "" : "missing tensors " + missing + " ")
                                + (unexpected.isEmpty() ? "" : "unexpected tensors " + unexpected));
            }
            for (String name : layout.keySet()) {
                var t = byName.get(name);
                store.add(name, t.values(), t.shape());
            }
            return new CausalLm(config, tokenizer, store);
        } catch (IOException e) {
            store.close();
            throw new UncheckedIOException("cannot read the weights of " + dir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    private static String canonical(LmConfig config, String name) {
        if (config.family() == LmConfig.Family.GPT2
                && !name.startsWith("transformer.")
                && !name.startsWith("lm_head.")) {
            return "transformer." + name;
        }
        return name;
    }

    private static boolean ignorable(LmConfig config, String name) {
        return name.endsWith(".attn.bias") && config.family() == LmConfig.Family.GPT2
                || name.endsWith(".attn.masked_bias")
                || name.endsWith("rotary_emb.inv_freq")
                || config.tiedEmbeddings() && name.equals("lm_head.weight");
    }

    /**
     * Writes {@code policy} as a Hugging Face folder: config.json, model.safetensors (F32, transformers'
     * names), the tokenizer files and generation_config.json. Files already in {@code out} with
     * these names are replaced; other files are left alone.
     */
    public static void export(CausalLm policy, Path out) {
        exportConfigAndTokenizer(policy, out);
        var tensors = new LinkedHashMap<String, NDArray>();
        for (String name : policy.parameters().names()) {
            tensors.put(name, policy.parameters().get(name));
        }
        try {
            SafeTensors.write(out.resolve(SafeTensors.SINGLE), tensors);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot export to " + out + ": " + e.getMessage(), e);
        }
    }

    /** Writes config.json, the tokenizer files and generation_config.json of {@code policy} (no weights). */
    public static void exportConfigAndTokenizer(CausalLm policy, Path out) {
        if (!(policy.tokenizer() instanceof HfTokenizer tokenizer)) {
            throw new IllegalArgumentException("cannot export a policy with tokenizer "
                    + policy.tokenizer().id()
                    + ": the built-in " + policy.config().family().id() + " model and its character tokenizer have no"
                    + " Hugging Face equivalent; export needs a llama, qwen2 or gpt2 policy (--policy DIR)");
        }
        var config = HfConfig.toJson(policy.config(), tokenizer);
        try {
            Files.createDirectories(out);
            JSON.writerWithDefaultPrettyPrinter()
                    .writeValue(out.resolve(HfConfig.FILE).toFile(), config);
            for (var f : tokenizer.files().entrySet()) {
                Files.write(out.resolve(f.getKey()), f.getValue());
            }
            if (!tokenizer.files().containsKey("generation_config.json")) {
                var gen = JSON.createObjectNode();
                if (config.has("bos_token_id")) {
                    gen.set("bos_token_id", config.get("bos_token_id"));
                }
                if (config.has("eos_token_id")) {
                    gen.set("eos_token_id", config.get("eos_token_id"));
                }
                JSON.writerWithDefaultPrettyPrinter()
                        .writeValue(out.resolve("generation_config.json").toFile(), gen);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot export to " + out + ": " + e.getMessage(), e);
        }
    }

    /**
     * sha256 identifying a Hugging Face folder's weights: of {@code model.safetensors}, or of the
     * index followed by each shard's sha256 in index order.
     */
    public static String weightsSha256(Path dir) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            if (Files.isRegularFile(dir.resolve(SafeTensors.INDEX))) {
                sha.update(Files.readAllBytes(dir.resolve(SafeTensors.INDEX)));
                var shards = new TreeSet<String>();
                JSON.readTree(dir.resolve(SafeTensors.INDEX).toFile())
                        .path("weight_map")
                        .elements()
                        .forEachRemaining(n -> shards.add(n.asText()));
                for (String shard : shards) {
                    sha.update(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(dir.resolve(shard))));
                }
            } else {
                sha.update(Files.readAllBytes(dir.resolve(SafeTensors.SINGLE)));
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot hash the weights of " + dir + ": " + e.getMessage(), e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM lacks SHA-256", e);
        }
    }
}
