package io.prefstream.model.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The named float32 tensors of one model, in a fixed order, owned by one {@link NDManager} on the
 * model's device. Closing the store frees them.
 *
 * <p>Binary format ({@link #write}): magic {@code PSW1}, count, then per tensor its name, rank,
 * dims and big-endian float32 values; equal tensors give equal bytes, so a sha256 of the file
 * identifies the weights.
 */
public final class ParameterStore implements ParameterInit, AutoCloseable {

    private static final int MAGIC = 0x50535731; // "PSW1"

    private final NDManager manager;
    private final Map<String, NDArray> tensors = new LinkedHashMap<>();

    private ParameterStore(Device device) {
        TorchThreads.ensureConfigured();
        this.manager = NDManager.newBaseManager(device, "PyTorch");
    }

    /** An empty store on {@code device}. */
    public static ParameterStore empty(Device device) {
        return new ParameterStore(device);
    }

    /** The device the tensors live on. */
    public Device device() {
        return manager.getDevice();
    }

    /** Adds a tensor with values drawn from N(0, std²) by {@code rng} (std 0 gives zeros). */
    @Override
    public void addNormal(String name, Shape shape, double std, SplittableRandom rng) {
        float[] values = new float[Math.toIntExact(shape.size())];
        if (std > 0) {
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (gaussian(rng) * std);
            }
        }
        add(name, values, shape);
    }

    /** Adds a tensor filled with {@code value}. */
    @Override
    public void addConstant(String name, Shape shape, float value) {
        float[] values = new float[Math.toIntExact(shape.size())];
        java.util.Arrays.fill(values, value);
        add(name, values, shape);
    }

    /** Adds a tensor with the given values. */
    public void add(String name, float[] values, Shape shape) {
        if (tensors.containsKey(name)) {
            throw new IllegalArgumentException("parameter '" + name + "' already exists");
        }
        NDArray array;
        try (NDManager staging = manager.newSubManager()) {
            // copy into memory from PyTorch's allocator: an array made from a Java buffer keeps that
            // buffer's alignment, which varies between runs and changes SIMD rounding (runs diverged)
            array = staging.create(values, shape).duplicate();
            array.attach(manager);
        }
        array.setName(name);
        tensors.put(name, array);
    }

    private static double gaussian(SplittableRandom rng) {
        // Box-Muller: engine-independent, so the same seed gives the same weights everywhere
        double u1 = 1.0 - rng.nextDouble();
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    /** The tensor called {@code name}. */
    public NDArray get(String name) {
        NDArray a = tensors.get(name);
        if (a == null) {
            throw new IllegalArgumentException("no parameter '" + name + "'; parameters: " + tensors.keySet());
        }
        return a;
    }

    /** Whether a tensor called {@code name} exists. */
    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    /** Names in store order. */
    public List<String> names() {
        return List.copyOf(tensors.keySet());
    }

    /** The tensors in store order (the list an optimizer updates). */
    public List<NDArray> arrays() {
        return Collections.unmodifiableList(new ArrayList<>(tensors.values()));
    }

    /**
     * Number of native arrays the store's manager holds: equals {@code names().size()} unless some
     * operation left a temporary attached to the parameters' manager (a leak).
     */
    public int managedArrayCount() {
        return manager.getManagedArrays().size();
    }

    /** Total number of scalars. */
    public long parameterCount() {
        return tensors.values().stream().mapToLong(a -> a.getShape().size()).sum();
    }

    /** Turns gradient recording on or off for every tensor. */
    public void setRequiresGradient(boolean requiresGradient) {
        tensors.values().forEach(a -> a.setRequiresGradient(requiresGradient));
    }

    /** A deep copy on {@code device}, without gradients. */
    public ParameterStore copy(Device device) {
        var out = new ParameterStore(device);
        for (var e : tensors.entrySet()) {
            out.add(e.getKey(), e.getValue().toFloatArray(), e.getValue().getShape());
        }
        return out;
    }

    /** Overwrites every tensor's values with those of {@code other} (same names and shapes). */
    public void copyFrom(ParameterStore other) {
        requireSameLayout(other);
        try (NoGrad ignored = NoGrad.enter()) {
            for (var e : tensors.entrySet()) {
                NDArray src = other.get(e.getKey());
                e.getValue().set(java.nio.FloatBuffer.wrap(src.toFloatArray()));
            }
        }
    }

    /** Throws unless {@code other} has the same names and shapes in the same order. */
    public void requireSameLayout(ParameterStore other) {
        requireLayout(other.layout());
    }

    /** Throws unless this store has exactly the names and shapes of {@code expected}, in order. */
    public void requireLayout(Map<String, Shape> expected) {
        if (!new ArrayList<>(layout().entrySet()).equals(new ArrayList<>(expected.entrySet()))) {
            throw new IllegalArgumentException(
                    "parameter layout mismatch: expected " + expected + ", found " + layout());
        }
    }

    /** name → shape, in order. */
    public Map<String, Shape> layout() {
        var m = new LinkedHashMap<String, Shape>();
        tensors.forEach((k, v) -> m.put(k, v.getShape()));
        return m;
    }

    /** Writes all tensors in the binary format described above. */
    public void write(OutputStream out) throws IOException {
        var data = new DataOutputStream(out);
        data.writeInt(MAGIC);
        data.writeInt(tensors.size());
        for (var e : tensors.entrySet()) {
            writeTensor(data, e.getKey(), e.getValue());
        }
        data.flush();
    }

    static void writeTensor(DataOutputStream data, String name, NDArray array) throws IOException {
        data.writeUTF(name);
        long[] dims = array.getShape().getShape();
        data.writeInt(dims.length);
        for (long d : dims) {
            data.writeLong(d);
        }
        float[] values = array.toType(DataType.FLOAT32, false).toFloatArray();
        var buf = java.nio.ByteBuffer.allocate(values.length * Float.BYTES);
        buf.asFloatBuffer().put(values);
        data.write(buf.array());
    }

    /** Reads a store written by {@link #write} onto {@code device}. */
    public static ParameterStore read(InputStream in, Device device) throws IOException {
        var data = new DataInputStream(in);
        int magic = data.readInt();
        if (magic != MAGIC) {
            throw new IOException("not a Prefstream weights file: expected magic " + Integer.toHexString(MAGIC)
                    + ", found " + Integer.toHexString(magic));
        }
        int count = data.readInt();
        var store = new ParameterStore(device);
        try {
            for (int i = 0; i < count; i++) {
                String name = data.readUTF();
                int rank = data.readInt();
                long[] dims = new long[rank];
                for (int d = 0; d < rank; d++) {
                    dims[d] = data.readLong();
                }
                var shape = new Shape(dims);
                byte[] bytes = new byte[Math.toIntExact(shape.size() * Float.BYTES)];
                data.readFully(bytes);
                float[] values = new float[Math.toIntExact(shape.size())];
                java.nio.ByteBuffer.wrap(bytes).asFloatBuffer().get(values);
                store.add(name, values, shape);
            }
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
        return store;
    }

    @Override
    public void close() {
        manager.close();
    }
}
