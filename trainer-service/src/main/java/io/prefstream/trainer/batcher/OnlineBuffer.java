package io.prefstream.trainer.batcher;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * First-in-first-out queue of online records waiting for a batch, kept in a state store so it
 * survives restarts: positions [head, tail) hold {@link BatcherInput} bytes.
 */
final class OnlineBuffer {

    static final String HEAD = "buffer-head";
    static final String TAIL = "buffer-tail";

    private final KeyValueStore<Long, byte[]> items;
    private final KeyValueStore<String, Long> meta;

    OnlineBuffer(KeyValueStore<Long, byte[]> items, KeyValueStore<String, Long> meta) {
        this.items = items;
        this.meta = meta;
    }

    long size() {
        return tail() - head();
    }

    void append(BatcherInput record) {
        long tail = tail();
        items.put(tail, record.encode());
        meta.put(TAIL, tail + 1);
    }

    /** Removes and returns the {@code n} oldest records; {@code n ≤ size()}. */
    List<BatcherInput> poll(int n) {
        if (n > size()) {
            throw new IllegalStateException("asked for " + n + " buffered records, " + size() + " present");
        }
        long head = head();
        var out = new ArrayList<BatcherInput>(n);
        for (int i = 0; i < n; i++) {
            out.add(BatcherInput.decode(items.delete(head + i)));
        }
        meta.put(HEAD, head + n);
        return out;
    }

    /** Removes every record matching {@code condition}, keeping the others in order; returns those removed. */
    List<BatcherInput> removeIf(Predicate<BatcherInput> condition) {
        long head = head();
        long tail = tail();
        var kept = new ArrayList<byte[]>();
        var removed = new ArrayList<BatcherInput>();
        for (long p = head; p < tail; p++) {
            byte[] bytes = items.get(p);
            BatcherInput record = BatcherInput.decode(bytes);
            if (condition.test(record)) {
                removed.add(record);
            } else {
                kept.add(bytes);
            }
        }
        if (!removed.isEmpty()) {
            for (long p = head; p < tail; p++) {
                items.delete(p);
            }
            for (int i = 0; i < kept.size(); i++) {
                items.put(head + i, kept.get(i));
            }
            meta.put(TAIL, head + kept.size());
        }
        return removed;
    }

    private long head() {
        Long h = meta.get(HEAD);
        return h == null ? 0 : h;
    }

    private long tail() {
        Long t = meta.get(TAIL);
        return t == null ? 0 : t;
    }
}
