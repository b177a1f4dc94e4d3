package io.prefstream.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * Variable-length token sequences, left-padded to a common length L.
 *
 * <p>Left padding puts every sequence's last token at column {@code L-1}, so decoding appends in
 * lockstep and a reward head reads column {@code L-1}. Positions count real tokens only
 * ({@code 0..n-1} over a sequence of n tokens; pads get 0), and pads are masked as keys, so a
 * sequence's outputs do not depend on what it is batched with.
 *
 * @param batchSize B
 * @param length L
 * @param tokens (B, L) row-major token ids, pads = the pad id
 * @param positions (B, L) position ids
 * @param keyMask (B, L) 1 for real tokens, 0 for pads
 * @param lengths real length of each sequence
 */
public record TokenBatch(int batchSize, int length, long[] tokens, long[] positions, float[] keyMask, int[] lengths) {

    /** Left-pads {@code sequences} (each non-empty) with {@code padId}. */
    public static TokenBatch leftPadded(List<int[]> sequences, int padId) {
        if (sequences.isEmpty()) {
            throw new IllegalArgumentException("a token batch needs at least one sequence, found none");
        }
        int b = sequences.size();
        int l = 0;
        for (int i = 0; i < b; i++) {
            if (sequences.get(i).length == 0) {
                throw new IllegalArgumentException(
                        "sequence " + i + " of the batch is empty; every sequence needs a token");
            }
            l = Math.max(l, sequences.get(i).length);
        }
        long[] tokens = new long[b * l];
        long[] positions = new long[b * l];
        float[] mask = new float[b * l];
        int[] lengths = new int[b];
        for (int i = 0; i < b; i++) {
            int[] s = sequences.get(i);
            int offset = l - s.length;
            lengths[i] = s.length;
            for (int t = 0; t < l; t++) {
                int idx = i * l + t;
                if (t < offset) {
                    tokens[idx] = padId;
                } else {
                    tokens[idx] = s[t - offset];
                    positions[idx] = t - offset;
                    mask[idx] = 1f;
                }
            }
        }
        return new TokenBatch(b, l, tokens, positions, mask, lengths);
    }

    /** (B, L) int64 token ids. */
    public NDArray tokens(NDManager manager) {
        return nativeCopy(manager.create(tokens, new Shape(batchSize, length)));
    }

    /** (B, L) int64 position ids. */
    public NDArray positions(NDManager manager) {
        return nativeCopy(manager.create(positions, new Shape(batchSize, length)));
    }

    /** (B, L) float32 key mask. */
    public NDArray keyMask(NDManager manager) {
        return nativeCopy(manager.create(keyMask, new Shape(batchSize, length)));
    }

    /**
     * A copy whose memory the engine owns. Embedding lookups save their index tensors for backward;
     * an array created from a Java array wraps a direct buffer that is freed once its handle is
     * closed and the GC runs, so a backward after the caller's scope closed would read freed
     * memory (seen as "index ... out of bounds" in the trainer).
     */
    public static NDArray nativeCopy(NDArray javaBacked) {
        NDArray copy = javaBacked.duplicate();
        javaBacked.close();
        return copy;
    }
}
