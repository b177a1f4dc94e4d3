package io.prefstream.launcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prefstream.model.checkpoint.Checkpoints;
import io.prefstream.model.hf.HuggingFace;
import io.prefstream.model.lm.CausalLm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code inspect}, {@code export} and {@code --policy} on Hugging Face folders. */
class ModelCommandsTest {

    static final ObjectMapper JSON = new ObjectMapper();
    /** transformers' own tiny Llama (shared/fixtures/hf/llama, copied into the model module's test resources). */
    static final Path LLAMA =
            Path.of("../model/src/test/resources/hf/llama").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @Test
    void inspectPrintsTransformersNumbersAsJson() throws Exception {
        JsonNode ref = JSON.readTree(LLAMA.resolve("reference.json").toFile());
        String text = ref.get("texts").get(0).asText();
        var result = Cli.run("inspect", "--policy", LLAMA.toString(), "--text", text, "--greedy", "12", "--json");
        assertEquals(0, result.exitCode(), result.err());
        JsonNode o = JSON.readTree(result.lastLine());
        assertEquals("llama", o.get("model_type").asText());
        // V·C embed + 2 layers × (q 64·64 + k,v 2·32·64 + o 64·64 + MLP 3·64·176 + 2 norms 64) + norm 64 + head V·C
        assertEquals(
                400 * 64 + 2 * (4096 + 4096 + 4096 + 33_792 + 128) + 64 + 400 * 64,
                o.get("parameters").asLong());
        assertEquals(ref.get("encoded").get(0), o.get("token_ids"));
        // transformers' next-token log-probs of the first 8 tokens (its input_ids row 0)
        JsonNode expected = ref.get("next_token_logprobs").get(0);
        assertEquals(o.get("token_ids").size() - 1, o.get("next_token_logprobs").size());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(
                    expected.get(i).asDouble(),
                    o.get("next_token_logprobs").get(i).asDouble(),
                    1e-4,
                    "position " + i);
        }
        assertTrue(
                result.out()
                        .contains("model        llama, 143,680 parameters: 2 layers, width 64, 4 heads (2 key/value"),
                result.out());
    }

    @Test
    void inspectGreedyMatchesTransformersFromTheGreedyPrompt() throws Exception {
        JsonNode ref = JSON.readTree(LLAMA.resolve("reference.json").toFile());
        // the greedy prompt is the first 8 tokens of text 0: "what is 12 plus 7? the" ends at token 261
        var result = Cli.run(
                "inspect",
                "--policy",
                LLAMA.toString(),
                "--text",
                "what is 12 plus 7? the",
                "--greedy",
                "12",
                "--json");
        assertEquals(0, result.exitCode(), result.err());
        JsonNode o = JSON.readTree(result.lastLine());
        assertEquals(ref.get("greedy_prompt").get(0), o.get("token_ids"));
        assertEquals(ref.get("greedy_12"), o.get("greedy_ids"));
    }

    @Test
    void exportWritesAFolderThatReimportsBitIdentically() throws Exception {
        // a trainer-style checkpoint of a Hugging Face policy (manifest + weights.bin + tokenizer files)
        Path checkpoint = dir.resolve("checkpoints/step-000000000005");
        try (CausalLm lm = HuggingFace.load(LLAMA, Device.cpu())) {
            Checkpoints.save(checkpoint, lm, null, Map.of("step", "5", "published_step", "5", "policy_version", "3"));
        }
        var byVersion = Cli.run(
                "export",
                "--checkpoint",
                "3",
                "--checkpoint-dir",
                dir.resolve("checkpoints").toString(),
                "--out",
                dir.resolve("out").toString());
        assertEquals(0, byVersion.exitCode(), byVersion.err());
        assertTrue(byVersion.out().contains("verified: re-imported logits are bit-identical"), byVersion.out());
        for (String f : new String[] {"config.json", "model.safetensors", "tokenizer.json", "generation_config.json"}) {
            assertTrue(Files.isRegularFile(dir.resolve("out").resolve(f)), f);
        }
        try (CausalLm a = HuggingFace.load(LLAMA, Device.cpu());
                CausalLm b = HuggingFace.load(dir.resolve("out"), Device.cpu())) {
            for (String name : a.parameters().names()) {
                assertArrayEquals(
                        a.parameters().get(name).toFloatArray(),
                        b.parameters().get(name).toFloatArray(),
                        name);
            }
        }
        var missing = Cli.run(
                "export",
                "--checkpoint",
                "9",
                "--checkpoint-dir",
                dir.resolve("checkpoints").toString(),
                "--out",
                dir.resolve("out2").toString());
        assertEquals(PrefstreamCommand.EXIT_USAGE, missing.exitCode());
        assertTrue(
                missing.err()
                        .contains("no checkpoint of policy version 9 in " + dir.resolve("checkpoints")
                                + "; versions there: [3]"),
                missing.err());
    }

    @Test
    void policyFlagsAreCheckedBeforeAnythingStartsAndSetTheServiceSetting() throws Exception {
        var bad = Cli.run("inspect", "--policy", dir.toString(), "--text", "x");
        assertEquals(PrefstreamCommand.EXIT_USAGE, bad.exitCode());
        assertTrue(
                bad.err()
                        .contains("--policy " + dir + " is not a model folder: expected config.json with "
                                + "model.safetensors"),
                bad.err());
        var trainer = Cli.run("trainer", "--policy", LLAMA.toString(), "--print-config");
        assertEquals(0, trainer.exitCode(), trainer.err());
        assertTrue(trainer.out().contains("trainer.reference-dir = " + LLAMA), trainer.out());
        var generator = Cli.run("generator", "--policy", LLAMA.toString(), "--print-config");
        assertEquals(0, generator.exitCode(), generator.err());
        assertTrue(generator.out().contains("generator.initial-policy = " + LLAMA), generator.out());
        var conflict =
                Cli.run("trainer", "--policy", LLAMA.toString(), "--set", "trainer.reference-dir=/x", "--print-config");
        assertEquals(PrefstreamCommand.EXIT_USAGE, conflict.exitCode());
        assertTrue(conflict.err().contains("--set trainer.reference-dir conflicts with a flag"), conflict.err());
    }
}
