package io.prefstream.model.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Keys and values of every attention layer for the positions already processed, so that
 * decoding step {@code t} attends to them instead of recomputing positions {@code 0..t-1}.
 *
 * <p>Shapes: per layer {@code (B, H, S, D)} with S the cached length. Tensors live in the cache's
 * own manager; each append replaces (and frees) the previous tensors of that layer.
 */
public final class KvCache implements AutoCloseable {

    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;

    public KvCache(int layers, Device device) {
        this.manager = NDManager.newBaseManager(device, "PyTorch");
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
    }

    /** Cached length S (0 before the first append). */
    public long length() {
        return keys[0] == null ? 0 : keys[0].getShape().get(2);
    }

    /**
     * Appends this step's keys and values {@code (B, H, T, D)} for {@code layer} and returns the
     * full cached keys and values {@code (B, H, S + T, D)} (owned by the cache).
     */
    NDArray[] append(int layer, NDArray k, NDArray v) {
        NDArray newK = keys[layer] == null ? k.duplicate() : keys[layer].concat(k, 2);
        NDArray newV = values[layer] == null ? v.duplicate() : values[layer].concat(v, 2);
        newK.attach(manager);
        newV.attach(manager);
        if (keys[layer] != null) {
            keys[layer].close();
            values[layer].close();
        }
        keys[layer] = newK;
        values[layer] = newV;
        return new NDArray[] {newK, newV};
    }

    @Override
    public void close() {
        manager.close();
    }
}
