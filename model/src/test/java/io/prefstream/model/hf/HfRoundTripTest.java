package io.prefstream.model.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefstream.model.LmConfig;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.nn.TokenBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Hugging Face folders: export → import is bit-identical; BF16, F16 and sharded weights load exactly; bad configs are named. */
class HfRoundTripTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final List<int[]> ROWS =
            List.of(new int[] {295, 272, 282, 387, 83, 351, 31, 261}, new int[] {345, 362, 391, 297});

    static float[] logits(CausalLm lm) {
        var batch = TokenBatch.leftPadded(ROWS, lm.tokenizer().pad());
        try (NDManager scope = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            return lm.logits(batch.tokens(scope), batch.positions(scope), batch.keyMask(scope), null)
                    .toFloatArray();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2", "gpt2"})
    void exportThenImportGivesBitIdenticalLogits(String family, @TempDir Path tmp) throws Exception {
        try (CausalLm lm = HuggingFace.load(HfParityTest.fixture(family), Device.cpu())) {
            HuggingFace.export(lm, tmp);
            for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "generation_config.json")) {
                assertTrue(Files.isRegularFile(tmp.resolve(f)), f + " written");
            }
            try (CausalLm back = HuggingFace.load(tmp, Device.cpu())) {
                assertEquals(lm.config(), back.config());
                assertEquals(lm.tokenizer().id(), back.tokenizer().id());
                assertArrayEquals(logits(lm), logits(back));
            }
        }
    }

    @Test
    void groupedQueryTiedLlamaOfAnotherShapeRoundTrips(@TempDir Path tmp) throws Exception {
        var config = new LmConfig(
                LmConfig.Family.LLAMA,
                400,
                96,
                3,
                8,
                2,
                12,
                160,
                64,
                1e-5,
                500000.0,
                false,
                false,
                false,
                true,
                "silu");
        var tokenizer = HfTokenizer.load(HfParityTest.fixture("llama"));
        try (CausalLm lm = CausalLm.create(config, tokenizer, Device.cpu(), 5)) {
            HuggingFace.export(lm, tmp);
            var json = JSON.readTree(tmp.resolve("config.json").toFile());
            assertEquals(2, json.get("num_key_value_heads").asInt());
            assertEquals(500000.0, json.get("rope_theta").asDouble());
            try (CausalLm back = HuggingFace.load(tmp, Device.cpu())) {
                assertEquals(config, back.config());
                assertArrayEquals(logits(lm), logits(back));
            }
        }
    }

    @Test
    void bf16WeightsLoadAsTheirExactFloat32Values(@TempDir Path tmp) throws Exception {
        Path src = HfParityTest.fixture("llama");
        Map<String, SafeTensors.Tensor> original;
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            original = SafeTensors.readModel(src, m);
        }
        copyConfigs(src, tmp);
        SafeTensors.write(tmp.resolve("model.safetensors"), original, "BF16");
        try (CausalLm lm = HuggingFace.load(tmp, Device.cpu())) {
            for (var e : original.entrySet()) {
                float[] loaded = lm.parameters().get(e.getKey()).toFloatArray();
                float[] v = e.getValue().values();
                for (int i = 0; i < v.length; i++) {
                    float expected = Float.intBitsToFloat(Float.floatToRawIntBits(v[i]) & 0xFFFF0000);
                    assertEquals(expected, loaded[i], 0f, e.getKey() + "[" + i + "]");
                }
            }
        }
    }

    @Test
    void f16AndShardedWeightsLoadExactly(@TempDir Path tmp) throws Exception {
        Path src = HfParityTest.fixture("qwen2");
        Map<String, SafeTensors.Tensor> half = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            for (var e : SafeTensors.readModel(src, m).entrySet()) {
                float[] v = e.getValue().values().clone();
                for (int i = 0; i < v.length; i++) {
                    // keep 10 mantissa bits inside float16's normal range, so F16 stores the value exactly
                    v[i] = Math.abs(v[i]) < 1e-4f
                            ? 0f
                            : Float.intBitsToFloat(Float.floatToRawIntBits(v[i]) & 0xFFFFE000);
                }
                half.put(e.getKey(), new SafeTensors.Tensor(e.getValue().shape(), v));
            }
        }
        Path f16 = tmp.resolve("f16");
        Path sharded = tmp.resolve("sharded");
        Files.createDirectories(f16);
        Files.createDirectories(sharded);
        copyConfigs(src, f16);
        copyConfigs(src, sharded);
        SafeTensors.write(f16.resolve("model.safetensors"), half, "F16");
        // two F32 shards and their index
        var first = new LinkedHashMap<String, SafeTensors.Tensor>();
        var second = new LinkedHashMap<String, SafeTensors.Tensor>();
        ObjectNode index = JSON.createObjectNode();
        ObjectNode map = index.putObject("weight_map");
        int i = 0;
        for (var e : half.entrySet()) {
            boolean inFirst = i++ % 2 == 0;
            (inFirst ? first : second).put(e.getKey(), e.getValue());
            map.put(e.getKey(), inFirst ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
        }
        SafeTensors.write(sharded.resolve("model-00001-of-00002.safetensors"), first, "F32");
        SafeTensors.write(sharded.resolve("model-00002-of-00002.safetensors"), second, "F32");
        JSON.writeValue(sharded.resolve(SafeTensors.INDEX).toFile(), index);
        try (CausalLm a = HuggingFace.load(f16, Device.cpu());
                CausalLm b = HuggingFace.load(sharded, Device.cpu())) {
            for (var e : half.entrySet()) {
                assertArrayEquals(
                        e.getValue().values(), a.parameters().get(e.getKey()).toFloatArray(), e.getKey());
            }
            assertArrayEquals(logits(a), logits(b));
        }
    }

    static void copyConfigs(Path src, Path dst) throws Exception {
        for (String f : List.of("config.json", "tokenizer.json", "generation_config.json")) {
            Files.copy(src.resolve(f), dst.resolve(f));
        }
    }

    @Test
    void unsupportedConfigValuesAreNamed(@TempDir Path tmp) throws Exception {
        Path src = HfParityTest.fixture("llama");
        ObjectNode base = (ObjectNode) JSON.readTree(src.resolve("config.json").toFile());
        assertEquals("unsupported model_type 'mistral'", error(base.deepCopy().put("model_type", "mistral")));
        assertEquals("hidden_act 'gelu' is not supported", error(base.deepCopy().put("hidden_act", "gelu")));
        ObjectNode scaled = base.deepCopy();
        ((ObjectNode) scaled.get("rope_parameters")).put("rope_type", "llama3");
        assertEquals("rope_type 'llama3' (RoPE scaling) is not supported", error(scaled));
        assertEquals(
                "expected an integer 'hidden_size', found \"wide\"",
                error(base.deepCopy().put("hidden_size", "wide")));
        ObjectNode gqa = base.deepCopy().put("num_key_value_heads", 3);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HfConfig.parse(gqa, "config.json"))
                .getMessage()
                .contains("multiple of num_key_value_heads, found 4 and 3"));
        // a checkpoint whose tensors do not fit its config names the tensor
        copyConfigs(src, tmp);
        Files.copy(src.resolve("model.safetensors"), tmp.resolve("model.safetensors"));
        JSON.writeValue(tmp.resolve("config.json").toFile(), base.deepCopy().put("intermediate_size", 128));
        var e = assertThrows(IllegalArgumentException.class, () -> HuggingFace.load(tmp, Device.cpu()));
        assertTrue(
                e.getMessage().contains("tensor 'model.layers.0.mlp.gate_proj.weight' has shape (176, 64)"),
                e.getMessage());
    }

    private static String error(ObjectNode config) {
        String message = assertThrows(IllegalArgumentException.class, () -> HfConfig.parse(config, "config.json"))
                .getMessage();
        // keep the part that names key and value, drop the "expected ..." tail
        String body = message.substring("config.json: ".length());
        int cut = body.indexOf(';');
        return cut < 0 ? body : body.substring(0, cut);
    }
}
