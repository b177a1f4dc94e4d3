package io.prefstream.trainer.loop;

import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.lm.LogProbs;
import io.prefstream.model.lm.ScoringBatch;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Sequence log-probs under the frozen reference π_ref, cached per sequence: π_ref never changes
 * between refreshes, so an offline pair revisited in a later epoch costs no forward pass. The cache
 * is a bounded LRU keyed by {@link ScoringPlan.Sequence#key()} (sha256 of temperature, prompt and
 * response); {@link #refresh} swaps the weights and empties it.
 */
final class ReferenceScorer {

    private final CausalLm reference;
    private final Map<String, Float> cache;
    private long hits;
    private long misses;

    ReferenceScorer(CausalLm reference, int capacity) {
        this.reference = reference;
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Float> eldest) {
                return size() > capacity;
            }
        };
    }

    CausalLm model() {
        return reference;
    }

    /** log π_ref of every sequence of {@code plan}, in plan order (supplied values, then cache, then one pass per temperature). */
    float[] score(ScoringPlan plan) {
        List<ScoringPlan.Sequence> sequences = plan.sequences();
        float[] out = new float[sequences.size()];
        var missing = new TreeMap<Double, List<Integer>>();
        for (int i = 0; i < out.length; i++) {
            ScoringPlan.Sequence s = sequences.get(i);
            if (s.cachedRef() != null) {
                out[i] = s.cachedRef().floatValue();
                continue;
            }
            Float hit = cache.get(s.key());
            if (hit != null) {
                out[i] = hit;
                hits++;
            } else {
                missing.computeIfAbsent(s.temperature(), t -> new ArrayList<>()).add(i);
                misses++;
            }
        }
        int pad = reference.tokenizer().pad();
        for (var entry : missing.entrySet()) {
            var prompts = new ArrayList<int[]>();
            var responses = new ArrayList<int[]>();
            for (int i : entry.getValue()) {
                prompts.add(sequences.get(i).prompt());
                responses.add(sequences.get(i).response());
            }
            double[] logProbs =
                    LogProbs.sequenceNoGrad(reference, ScoringBatch.of(prompts, responses, pad), entry.getKey());
            for (int j = 0; j < logProbs.length; j++) {
                int i = entry.getValue().get(j);
                out[i] = (float) logProbs[j];
                cache.put(sequences.get(i).key(), out[i]);
            }
        }
        return out;
    }

    /** π_ref := {@code policy} (iteration boundary with reference=refresh); cached values are forgotten. */
    void refresh(CausalLm policy) {
        reference.loadWeightsFrom(policy);
        cache.clear();
    }

    /** Fraction of cache lookups that hit since start. */
    double hitRate() {
        long total = hits + misses;
        return total == 0 ? 0 : (double) hits / total;
    }
}
