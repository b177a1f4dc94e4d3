package io.prefstream.trainer.objective;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** Small builders shared by the objective tests: float64 leaf arrays and pair/group tensors. */
final class Fixtures {

    private Fixtures() {}

    static NDArray vec(NDManager m, double... values) {
        return m.create(values); // (B), float64
    }

    static NDArray mat(NDManager m, double[][] values) {
        int rows = values.length;
        int cols = values[0].length;
        double[] flat = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(values[i], 0, flat, i * cols, cols);
        }
        return m.create(flat, new Shape(rows, cols)); // (G, K), float64
    }

    static NDArray leaf(NDManager m, double... values) {
        NDArray a = vec(m, values);
        a.setRequiresGradient(true);
        return a;
    }

    static NDArray leaf(NDManager m, double[][] values) {
        NDArray a = mat(m, values);
        a.setRequiresGradient(true);
        return a;
    }

    static double[] ones(int n, double value) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, value);
        return a;
    }

    static int managedArrays(NDManager m) {
        return ((BaseNDManager) m).getManagedArrays().size();
    }

    /** log σ(x), stable. */
    static double logSigmoid(double x) {
        return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
    }

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** log-softmax of a row. */
    static double[] logSoftmax(double[] a) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : a) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : a) {
            sum += Math.exp(v - max);
        }
        double lse = max + Math.log(sum);
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] - lse;
        }
        return out;
    }
}
