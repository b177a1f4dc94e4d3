package io.prefstream.model.nn;

import ai.djl.ndarray.NDArray;

/**
 * Scalars whose memory PyTorch owns, for differentiable ops that save their operand for backward.
 *
 * <p>Why: DJL's {@code x.mul(2.0)} / {@code x.div(t)} wrap the number in a 0-d array backed by a Java
 * direct buffer and close it right away; autograd keeps the tensor for backward ({@code mul}, {@code div}
 * and {@code maximum} need it), and once the GC frees the buffer, backward reads freed memory (garbage
 * gradients, seen in the objectives' {@code GradientLifetimeTest}). A native clone is refcounted by
 * PyTorch itself, so closing the Java handle early is safe. {@code add}/{@code sub} by a number save
 * nothing and need no copy.
 */
public final class NativeScalar {

    private NativeScalar() {}

    /** A 0-d native constant with {@code like}'s dtype, device and manager. */
    public static NDArray of(NDArray like, double value) {
        try (NDArray javaBacked = like.getManager().create(value)) {
            return javaBacked
                    .toType(like.getDataType(), true)
                    .toDevice(like.getDevice(), false)
                    .duplicate();
        }
    }
}
