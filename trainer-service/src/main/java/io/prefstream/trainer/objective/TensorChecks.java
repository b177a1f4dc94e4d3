package io.prefstream.trainer.objective;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/** Validation of objective inputs: shape, dtype and finiteness, with messages naming the field. */
final class TensorChecks {

    private TensorChecks() {}

    /** Copies {@code array} to the host as doubles (float32 or float64 only). */
    static double[] values(NDArray array) {
        DataType type = array.getDataType();
        if (type == DataType.FLOAT64) {
            return array.toDoubleArray();
        }
        if (type == DataType.FLOAT32) {
            float[] floats = array.toFloatArray();
            double[] doubles = new double[floats.length];
            for (int i = 0; i < floats.length; i++) {
                doubles[i] = floats[i];
            }
            return doubles;
        }
        throw new IllegalArgumentException(
                "expected a float32 or float64 tensor but found " + type + " of shape " + array.getShape());
    }

    /** Checks shape, dtype and finiteness of {@code array}; returns its values. */
    static double[] check(String owner, String field, NDArray array, Shape shape, DataType type) {
        if (array == null) {
            throw new IllegalArgumentException(owner + "." + field + " is required but was null");
        }
        if (!array.getShape().equals(shape)) {
            throw new IllegalArgumentException(
                    owner + "." + field + ": expected shape " + shape + " but found " + array.getShape());
        }
        if (array.getDataType() != type) {
            throw new IllegalArgumentException(owner + "." + field + ": expected dtype " + type
                    + " (the policy log-probs' dtype) but found " + array.getDataType());
        }
        double[] values = values(array);
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException(owner + "." + field + ": expected finite values but found "
                        + values[i] + " at flat index " + i + " of shape " + shape);
            }
        }
        return values;
    }

    /** Checks that every value is strictly positive (lengths). */
    static void positive(String owner, String field, double[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!(values[i] > 0)) {
                throw new IllegalArgumentException(owner + "." + field
                        + ": expected lengths > 0 (response tokens incl. EOS) but found " + values[i]
                        + " at flat index " + i);
            }
        }
    }
}
