package io.prefstream.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prefstream.bench.sampler.SamplerBenchmark;
import io.prefstream.model.hf.HuggingFace;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench sampler --policy DIR} on a ~10M-parameter Llama written as a Hugging Face folder. */
class BenchSamplerCommandTest {

    @TempDir
    Path dir;

    /** The README's benchmark model: width 384, 4 layers, 6 query / 2 key-value heads, vocabulary 8,000, tied. */
    static Path writeLlama10m(Path dir) {
        try (var lm = SamplerBenchmark.llama(8000, 384, 4, 6, 2, 1024, 160, Device.cpu(), 0)) {
            HuggingFace.export(lm, dir);
        }
        return dir;
    }

    @Test
    void measuresAHuggingFaceFolderAndReportsItsShareOfTheMatmulPeak() throws Exception {
        Path model = writeLlama10m(dir.resolve("llama-10m"));
        var result = Cli.run(
                "bench",
                "sampler",
                "--policy",
                model.toString(),
                "--batch",
                "2",
                "--lengths",
                "4",
                "--repeats",
                "1",
                "--matmul",
                "256",
                "--json");
        assertEquals(0, result.exitCode(), result.out() + result.err());
        JsonNode o = new ObjectMapper().readTree(result.lastLine());
        assertEquals("llama", o.get("family").asText());
        // 8000·384 tied embedding + 4 × (q 384² + k, v 2·128·384 + o 384² + MLP 3·384·1024 + 2 norms 384) + norm 384
        long perLayer = 384L * 384 + 2L * 128 * 384 + 384L * 384 + 3L * 384 * 1024 + 2 * 384;
        assertEquals(8000L * 384 + 4 * perLayer + 384, o.get("parameters").asLong());
        // matrix-product weights: every projection plus the tied head, no norms
        assertEquals(
                8000L * 384 + 4 * (perLayer - 2 * 384), o.get("matmul_weights").asLong());
        JsonNode row = o.get("rows").get(0);
        double achieved = row.get("kv_cache_tokens_per_s").asDouble()
                * 2
                * o.get("matmul_weights").asLong()
                / 1e9;
        assertEquals(achieved, row.get("kv_cache_gflops").asDouble(), 1e-3 * achieved + 1e-3);
        assertEquals(
                achieved / o.get("peak_matmul_gflops").asDouble(),
                row.get("fraction_of_peak").asDouble(),
                1e-3);
        assertTrue(o.get("peak_matmul_gflops").asDouble() > 0, o.toString());
    }
}
