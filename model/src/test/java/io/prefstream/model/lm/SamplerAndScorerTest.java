package io.prefstream.model.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.prefstream.model.TestModels;
import io.prefstream.model.nn.KvCache;
import io.prefstream.model.nn.NoGrad;
import io.prefstream.model.nn.TokenBatch;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SamplerAndScorerTest {

    private static CausalLm lm;
    private static final List<String> PROMPTS = List.of("1+2=", "47+38=", "9+90=");

    @BeforeAll
    static void setUp() {
        lm = TestModels.tinyLm(42);
    }

    @AfterAll
    static void tearDown() {
        lm.close();
    }

    @Test
    void kvCacheLogitsEqualFullRecomputationStepByStep() {
        var tk = lm.tokenizer();
        var seqs = List.of(tk.encodePrompt("12+34=46"), tk.encodePrompt("5+5=10")); // different lengths
        var batch = TokenBatch.leftPadded(seqs, tk.pad());
        int b = batch.batchSize();
        int l = batch.length();
        long vocab = lm.config().vocabSize();
        try (NoGrad ng = NoGrad.enter();
                NDManager scope = NDManager.newBaseManager();
                KvCache cache = new KvCache(lm.config().nLayers(), lm.device())) {
            float[] full = lm.logits(batch.tokens(scope), batch.positions(scope), batch.keyMask(scope), null)
                    .toFloatArray(); // (B, L, V)
            int prefill = 3;
            for (int t = 0; t < l; t++) {
                int from = t < prefill ? 0 : t;
                if (t < prefill - 1) {
                    continue;
                }
                int width = t + 1 - from;
                long[] tok = new long[b * width];
                long[] pos = new long[b * width];
                float[] mask = new float[b * (t + 1)];
                for (int r = 0; r < b; r++) {
                    for (int c = 0; c < width; c++) {
                        tok[r * width + c] = batch.tokens()[r * l + from + c];
                        pos[r * width + c] = batch.positions()[r * l + from + c];
                    }
                    System.arraycopy(batch.keyMask(), r * l, mask, r * (t + 1), t + 1);
                }
                try (NDManager step = scope.newSubManager()) {
                    NDArray logits = lm.logits(
                            step.create(tok, new Shape(b, width)),
                            step.create(pos, new Shape(b, width)),
                            step.create(mask, new Shape(b, t + 1)),
                            cache); // (B, W, V)
                    float[] last = logits.get(":, -1, :").toFloatArray();
                    for (int r = 0; r < b; r++) {
                        if (batch.keyMask()[r * l + t] == 0f) {
                            continue; // pad query: output unused
                        }
                        for (int v = 0; v < vocab; v++) {
                            assertEquals(
                                    full[(int) ((r * l + t) * vocab + v)],
                                    last[(int) (r * vocab + v)],
                                    1e-5,
                                    "row " + r + " position " + t + " token " + v);
                        }
                    }
                }
            }
            assertEquals(l, cache.length());
        }
    }

    @Test
    void samplerLogProbEqualsScorerLogProb() {
        for (var options : List.of(
                SamplingOptions.of(1.0, 6, 7),
                SamplingOptions.of(0.7, 6, 8).withTopK(4),
                SamplingOptions.of(1.3, 6, 9).withTopP(0.8))) {
            var prompts = PROMPTS.stream().map(lm.tokenizer()::encodePrompt).toList();
            var completions = Sampler.sample(lm, prompts, 4, options);
            assertEquals(12, completions.size());
            var batch = ScoringBatch.ofCompletions(
                    prompts, completions, lm.tokenizer().pad());
            double[] scored = LogProbs.sequenceNoGrad(lm, batch, options.temperature());
            for (int i = 0; i < completions.size(); i++) {
                var c = completions.get(i);
                assertEquals(c.logProb(), scored[i], 1e-4, "completion " + i + " " + options);
                double sum = 0;
                for (float lp : c.tokenLogProbs()) {
                    sum += lp;
                }
                assertEquals(c.logProb(), sum, 1e-5);
            }
            // per-token values too: responses are right-aligned in the T columns
            float[][] perToken = LogProbs.tokensNoGrad(lm, batch, options.temperature());
            for (int i = 0; i < completions.size(); i++) {
                var c = completions.get(i);
                for (int j = 0; j < c.length(); j++) {
                    assertEquals(c.tokenLogProbs()[j], perToken[i][batch.length() - c.length() + j], 1e-5);
                }
            }
        }
    }

    @Test
    void kvCacheAndRecomputeSampleTheSameSequences() {
        var prompts = PROMPTS.stream().map(lm.tokenizer()::encodePrompt).toList();
        var options = SamplingOptions.of(1.0, 8, 123).withStopAtEos(false);
        var cached = Sampler.sample(lm, prompts, 3, options, Sampler.Decoding.KV_CACHE);
        var recomputed = Sampler.sample(lm, prompts, 3, options, Sampler.Decoding.RECOMPUTE);
        for (int i = 0; i < cached.size(); i++) {
            assertArrayEquals(cached.get(i).tokens(), recomputed.get(i).tokens());
            assertArrayEquals(cached.get(i).tokenLogProbs(), recomputed.get(i).tokenLogProbs(), 1e-5f);
            assertEquals(8, cached.get(i).length());
            assertEquals(FinishReason.LENGTH, cached.get(i).finishReason());
        }
    }

    @Test
    void sameSeedSameOutputDifferentSeedDifferentOutput() {
        var a = Sampler.sampleText(lm, PROMPTS, 4, SamplingOptions.of(1.0, 6, 5));
        var b = Sampler.sampleText(lm, PROMPTS, 4, SamplingOptions.of(1.0, 6, 5));
        var c = Sampler.sampleText(lm, PROMPTS, 4, SamplingOptions.of(1.0, 6, 6));
        assertEquals(texts(a), texts(b));
        assertNotEquals(texts(a), texts(c));
        for (var comp : a) {
            assertTrue(
                    comp.finishReason() == FinishReason.LENGTH
                            ? comp.length() == 6
                            : comp.tokens()[comp.length() - 1] == lm.tokenizer().eos(),
                    comp.toString());
        }
    }

    @Test
    void topKOneIsGreedy() {
        var prompts = List.of(lm.tokenizer().encodePrompt("3+4="));
        var greedy = Sampler.sample(
                lm, prompts, 3, SamplingOptions.of(1.0, 5, 1).withTopK(1).withStopAtEos(false));
        assertEquals(greedy.get(0).text(), greedy.get(1).text());
        assertEquals(greedy.get(0).text(), greedy.get(2).text());
        try (NoGrad ng = NoGrad.enter();
                NDManager scope = NDManager.newBaseManager()) {
            var batch = TokenBatch.leftPadded(prompts, lm.tokenizer().pad());
            float[] logits = lm.logits(batch.tokens(scope), batch.positions(scope), batch.keyMask(scope), null)
                    .get(":, -1, :")
                    .toFloatArray();
            int best = 3; // PAD/BOS (0, 1) are never emitted
            for (int v = 2; v < logits.length; v++) {
                if (logits[v] > logits[best]) {
                    best = v;
                }
            }
            assertEquals(best, greedy.get(0).tokens()[0]);
        }
    }

    @Test
    void logProbUnchangedWhenBatchedWithLongerSequences() {
        var tk = lm.tokenizer();
        int[] p = tk.encodePrompt("3+4=");
        int[] r = tk.encodeResponse("7");
        double alone = LogProbs.sequenceNoGrad(lm, ScoringBatch.of(List.of(p), List.of(r), tk.pad()), 1.0)[0];
        var prompts = List.of(tk.encodePrompt("12+34="), p, tk.encodePrompt("99+99="));
        var responses = List.of(tk.encodeResponse("46"), r, tk.encodeResponse("1980000"));
        double batched = LogProbs.sequenceNoGrad(lm, ScoringBatch.of(prompts, responses, tk.pad()), 1.0)[1];
        assertEquals(alone, batched, 1e-5);
        assertTrue(alone < 0);
        // a sequence's log-prob is the sum of its 2 response tokens ("7", EOS): check against the token view
        float[][] tokens = LogProbs.tokensNoGrad(lm, ScoringBatch.of(List.of(p), List.of(r), tk.pad()), 1.0);
        double sum = 0;
        int nonZero = 0;
        for (float f : tokens[0]) {
            sum += f;
            nonZero += f != 0 ? 1 : 0;
        }
        assertEquals(2, nonZero);
        assertEquals(alone, sum, 1e-5);
    }

    private static List<String> texts(List<Completion> cs) {
        var out = new ArrayList<String>();
        cs.forEach(c -> out.add(c.text() + "|" + c.finishReason()));
        return out;
    }
}
