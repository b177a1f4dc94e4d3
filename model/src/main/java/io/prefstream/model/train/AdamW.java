package io.prefstream.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.prefstream.model.nn.NoGrad;
import io.prefstream.model.nn.ParameterStore;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * AdamW (Loshchilov &amp; Hutter, 2019) with global gradient-norm clipping, on the tensors of a
 * {@link ParameterStore}. One {@link #step(double)}:
 * <pre>
 * g ← g · min(1, c / ‖g‖₂)              (‖g‖₂ over all tensors; c = maxGradNorm)
 * m ← β₁ m + (1 − β₁) g;   v ← β₂ v + (1 − β₂) g²
 * θ ← θ − lr λ θ            (rank ≥ 2 only)
 * θ ← θ − lr (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
 * </pre>
 * then zeroes the gradients (DJL's PyTorch collector accumulates them). The moments and step
 * count are saved and restored by {@link #write}/{@link #read} for an exact resume.
 */
public final class AdamW implements AutoCloseable {

    private static final int MAGIC = 0x50534F31; // "PSO1"

    private final ParameterStore parameters;
    private final AdamWOptions options;
    private final NDManager manager;
    private final NDArray[] m;
    private final NDArray[] v;
    private long step;

    public AdamW(ParameterStore parameters, AdamWOptions options) {
        this.parameters = parameters;
        this.options = options;
        this.manager = NDManager.newBaseManager(parameters.device(), "PyTorch");
        List<NDArray> arrays = parameters.arrays();
        this.m = new NDArray[arrays.size()];
        this.v = new NDArray[arrays.size()];
        for (int i = 0; i < arrays.size(); i++) {
            m[i] = manager.zeros(arrays.get(i).getShape());
            v[i] = manager.zeros(arrays.get(i).getShape());
        }
    }

    public AdamWOptions options() {
        return options;
    }

    /** Number of updates applied so far (t in the bias corrections). */
    public long stepCount() {
        return step;
    }

    /**
     * Clips, applies one update at learning rate {@code lr} and zeroes the gradients.
     *
     * @return the global gradient L2 norm before clipping
     */
    public double step(double lr) {
        List<NDArray> params = parameters.arrays();
        try (NoGrad ignored = NoGrad.enter();
                NDManager tmp = manager.newSubManager()) {
            NDArray[] grads = new NDArray[params.size()];
            double squares = 0;
            for (int i = 0; i < params.size(); i++) {
                grads[i] = params.get(i).getGradient();
                grads[i].attach(tmp);
                squares += grads[i].square().sum().getFloat();
            }
            double norm = Math.sqrt(squares);
            if (!Double.isFinite(norm)) {
                throw new IllegalStateException("gradient norm is " + norm + " at step " + step
                        + "; the loss diverged (lower the learning rate or check the inputs)");
            }
            double scale = options.maxGradNorm() > 0 && norm > options.maxGradNorm()
                    ? options.maxGradNorm() / (norm + 1e-6)
                    : 1.0;
            step++;
            double bc1 = 1 - Math.pow(options.beta1(), step);
            double bc2 = 1 - Math.pow(options.beta2(), step);
            for (int i = 0; i < params.size(); i++) {
                NDArray p = params.get(i);
                NDArray g = grads[i].mul(scale);
                m[i].muli(options.beta1()).addi(g.mul(1 - options.beta1()));
                v[i].muli(options.beta2()).addi(g.square().mul(1 - options.beta2()));
                m[i].tempAttach(tmp); // so the ops below put their results in tmp
                v[i].tempAttach(tmp);
                NDArray update = m[i].div(bc1).div(v[i].div(bc2).sqrt().add(options.eps()));
                if (options.weightDecay() > 0 && p.getShape().dimension() >= 2) {
                    p.muli(1 - lr * options.weightDecay());
                }
                p.subi(update.muli(lr));
                JniUtils.zeroGrad((PtNDArray) p);
            }
            return norm;
        }
    }

    /** Zeroes gradients without updating (e.g. after a skipped step). */
    public void zeroGradients() {
        for (NDArray p : parameters.arrays()) {
            JniUtils.zeroGrad((PtNDArray) p);
        }
    }

    /** Writes step count and moments, tensor by tensor in parameter order. */
    public void write(OutputStream out) throws IOException {
        var data = new DataOutputStream(out);
        data.writeInt(MAGIC);
        data.writeLong(step);
        List<String> names = parameters.names();
        data.writeInt(names.size());
        for (int i = 0; i < names.size(); i++) {
            writeTensor(data, names.get(i) + ".m", m[i]);
            writeTensor(data, names.get(i) + ".v", v[i]);
        }
        data.flush();
    }

    private static void writeTensor(DataOutputStream data, String name, NDArray a) throws IOException {
        data.writeUTF(name);
        float[] values = a.toFloatArray();
        data.writeInt(values.length);
        var buf = java.nio.ByteBuffer.allocate(values.length * Float.BYTES);
        buf.asFloatBuffer().put(values);
        data.write(buf.array());
    }

    /** Restores state written by {@link #write}; names and sizes must match this optimizer's parameters. */
    public void read(InputStream in) throws IOException {
        var data = new DataInputStream(in);
        int magic = data.readInt();
        if (magic != MAGIC) {
            throw new IOException("not a Prefstream optimizer state: expected magic " + Integer.toHexString(MAGIC)
                    + ", found " + Integer.toHexString(magic));
        }
        long savedStep = data.readLong();
        List<String> names = parameters.names();
        int count = data.readInt();
        if (count != names.size()) {
            throw new IOException("optimizer state has " + count + " tensors, the model has " + names.size());
        }
        float[][] ms = new float[count][];
        float[][] vs = new float[count][];
        for (int i = 0; i < count; i++) {
            ms[i] = readTensor(data, names.get(i) + ".m", m[i]);
            vs[i] = readTensor(data, names.get(i) + ".v", v[i]);
        }
        for (int i = 0; i < count; i++) {
            m[i].set(java.nio.FloatBuffer.wrap(ms[i]));
            v[i].set(java.nio.FloatBuffer.wrap(vs[i]));
        }
        step = savedStep;
    }

    private static float[] readTensor(DataInputStream data, String expectedName, NDArray like) throws IOException {
        String name = data.readUTF();
        int n = data.readInt();
        if (!name.equals(expectedName) || n != like.getShape().size()) {
            throw new IOException("optimizer state mismatch: expected tensor '" + expectedName + "' with "
                    + like.getShape().size() + " values, found '" + name + "' with " + n);
        }
        byte[] bytes = new byte[n * Float.BYTES];
        data.readFully(bytes);
        float[] values = new float[n];
        java.nio.ByteBuffer.wrap(bytes).asFloatBuffer().get(values);
        return values;
    }

    @Override
    public void close() {
        manager.close();
    }
}
