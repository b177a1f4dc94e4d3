package io.prefstream.model.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.prefstream.model.nn.TokenBatch;
import io.prefstream.model.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * (prompt, response) pairs laid out for one teacher-forced forward pass.
 *
 * <p>Each row is {@code prompt ++ response}, left-padded to length L. The model reads inputs
 * {@code x[:, 0..L-2]} and predicts targets {@code x[:, 1..L-1]}; {@code targetMask} is 1 exactly
 * where the target is a response token (so prompt tokens and pads are masked and EOS, when the
 * response ends with it, counts). Responses therefore sit right-aligned in the T = L−1 columns.
 *
 * <p>Dimensions: B pairs, T = L − 1 predicted positions.
 *
 * @param inputs the left-padded inputs (B, T)
 * @param targets (B, T) next-token ids
 * @param targetMask (B, T) 1 on response targets
 * @param responseLengths tokens per response, EOS included
 */
public record ScoringBatch(TokenBatch inputs, long[] targets, float[] targetMask, int[] responseLengths) {

    /** Batch of encoded prompts (BOS included) and responses (EOS included when the response ended with it). */
    public static ScoringBatch of(List<int[]> prompts, List<int[]> responses, int padId) {
        if (prompts.size() != responses.size()) {
            throw new IllegalArgumentException("need one response per prompt, found " + prompts.size() + " prompts and "
                    + responses.size() + " responses");
        }
        var full = new ArrayList<int[]>(prompts.size());
        var inputs = new ArrayList<int[]>(prompts.size());
        int[] responseLengths = new int[prompts.size()];
        for (int i = 0; i < prompts.size(); i++) {
            int[] p = prompts.get(i);
            int[] r = responses.get(i);
            if (p.length == 0) {
                throw new IllegalArgumentException("prompt " + i + " is empty; prompts start with BOS");
            }
            int[] seq = new int[p.length + r.length];
            System.arraycopy(p, 0, seq, 0, p.length);
            System.arraycopy(r, 0, seq, p.length, r.length);
            full.add(seq);
            inputs.add(java.util.Arrays.copyOf(seq, seq.length - 1 == 0 ? 1 : seq.length - 1));
            responseLengths[i] = r.length;
        }
        int l = full.stream().mapToInt(s -> s.length).max().orElseThrow();
        int t = Math.max(1, l - 1);
        // left-pad the inputs to T columns: input column c of row i is full token (c - offset) where
        // offset = T - (len - 1); the target of that column is full token (c - offset + 1)
        int b = full.size();
        long[] tok = new long[b * t];
        long[] pos = new long[b * t];
        float[] keyMask = new float[b * t];
        long[] targets = new long[b * t];
        float[] targetMask = new float[b * t];
        int[] lengths = new int[b];
        for (int i = 0; i < b; i++) {
            int[] seq = full.get(i);
            int n = Math.max(1, seq.length - 1);
            int offset = t - n;
            int promptLen = prompts.get(i).length;
            lengths[i] = n;
            for (int c = 0; c < t; c++) {
                int idx = i * t + c;
                int src = c - offset;
                if (src < 0) {
                    tok[idx] = padId;
                    targets[idx] = padId;
                    continue;
                }
                tok[idx] = seq[src];
                pos[idx] = src;
                keyMask[idx] = 1f;
                if (src + 1 < seq.length) {
                    targets[idx] = seq[src + 1];
                    targetMask[idx] = src + 1 >= promptLen ? 1f : 0f;
                } else {
                    targets[idx] = padId;
                }
            }
        }
        return new ScoringBatch(new TokenBatch(b, t, tok, pos, keyMask, lengths), targets, targetMask, responseLengths);
    }

    /**
     * Batch of texts: prompts get BOS, responses get EOS when {@code endsWithEos} says so
     * (a completion that stopped at the length limit has no EOS).
     */
    public static ScoringBatch ofText(
            Tokenizer tokenizer, List<String> prompts, List<String> responses, List<Boolean> endsWithEos) {
        if (responses.size() != endsWithEos.size()) {
            throw new IllegalArgumentException("need one endsWithEos flag per response, found " + responses.size()
                    + " responses and " + endsWithEos.size() + " flags");
        }
        var p = prompts.stream().map(tokenizer::encodePrompt).toList();
        var r = new ArrayList<int[]>(responses.size());
        for (int i = 0; i < responses.size(); i++) {
            r.add(endsWithEos.get(i) ? tokenizer.encodeResponse(responses.get(i)) : tokenizer.encode(responses.get(i)));
        }
        return of(p, r, tokenizer.pad());
    }

    /** Batch of sampled completions with the prompts they answer (prompt i of {@code prompts} ↔ promptIndex). */
    public static ScoringBatch ofCompletions(List<int[]> prompts, List<Completion> completions, int padId) {
        var p = completions.stream().map(c -> prompts.get(c.promptIndex())).toList();
        var r = completions.stream().map(Completion::tokens).toList();
        return of(p, r, padId);
    }

    public int batchSize() {
        return inputs.batchSize();
    }

    /** T, the number of predicted positions per row. */
    public int length() {
        return inputs.length();
    }

    /** (B, T) int64 targets. */
    public NDArray targets(NDManager manager) {
        return TokenBatch.nativeCopy(manager.create(targets, new Shape(batchSize(), length()))); // gather saves it
    }

    /** (B, T) float32 response mask. */
    public NDArray targetMask(NDManager manager) {
        return TokenBatch.nativeCopy(manager.create(targetMask, new Shape(batchSize(), length()))); // mul saves it
    }
}
