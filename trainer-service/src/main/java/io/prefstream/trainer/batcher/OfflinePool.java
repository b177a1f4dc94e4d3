package io.prefstream.trainer.batcher;

import java.util.HashMap;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The offline preference set, materialised so it can be sampled uniformly for as many epochs as a
 * run needs: pairs are stored densely by ordinal 0..n−1 ({@code ordinal → bytes}) with an
 * {@code id → ordinal} index, so a uniform draw is one random ordinal. A pair re-sent with the same
 * id replaces the old one; a tombstone removes it by moving the last pair into its slot.
 *
 * <p>Sampling: {@code m ≤ n} pairs are drawn without replacement (a sparse Fisher–Yates shuffle);
 * a batch asking for more pairs than the set holds draws with replacement.
 */
final class OfflinePool {

    static final String COUNT = "offline-count";

    private final KeyValueStore<Long, byte[]> pairs;
    private final KeyValueStore<String, Long> index;
    private final KeyValueStore<String, Long> meta;

    OfflinePool(
            KeyValueStore<Long, byte[]> pairs, KeyValueStore<String, Long> index, KeyValueStore<String, Long> meta) {
        this.pairs = pairs;
        this.index = index;
        this.meta = meta;
    }

    long size() {
        Long n = meta.get(COUNT);
        return n == null ? 0 : n;
    }

    /** Adds the pair {@code id}, or replaces the pair stored under it. */
    void put(String id, byte[] bytes) {
        Long ordinal = index.get(id);
        if (ordinal != null) {
            pairs.put(ordinal, bytes);
            return;
        }
        long n = size();
        pairs.put(n, bytes);
        index.put(id, n);
        meta.put(COUNT, n + 1);
    }

    /**
     * Removes the pair {@code id} if present.
     *
     * @param idOf reads the id of a stored pair (to re-index the pair moved into the freed slot)
     */
    void remove(String id, Function<byte[], String> idOf) {
        Long ordinal = index.delete(id);
        if (ordinal == null) {
            return;
        }
        long last = size() - 1;
        if (ordinal != last) {
            byte[] moved = pairs.get(last);
            pairs.put(ordinal, moved);
            index.put(idOf.apply(moved), ordinal);
        }
        pairs.delete(last);
        meta.put(COUNT, last);
    }

    /** The pair at {@code ordinal}, in [0, size). */
    byte[] get(long ordinal) {
        return pairs.get(ordinal);
    }

    /** {@code m} ordinals drawn uniformly with {@code rng}: distinct when {@code m ≤ size}. */
    long[] sample(int m, SplittableRandom rng) {
        long n = size();
        if (n == 0 && m > 0) {
            throw new IllegalStateException("cannot sample " + m + " offline pairs from an empty pool");
        }
        long[] out = new long[m];
        if (m > n) {
            for (int i = 0; i < m; i++) {
                out[i] = rng.nextLong(n);
            }
            return out;
        }
        var swapped = new HashMap<Long, Long>();
        for (int i = 0; i < m; i++) {
            long j = i + rng.nextLong(n - i);
            out[i] = swapped.getOrDefault(j, j);
            swapped.put(j, swapped.getOrDefault((long) i, (long) i));
        }
        return out;
    }
}
