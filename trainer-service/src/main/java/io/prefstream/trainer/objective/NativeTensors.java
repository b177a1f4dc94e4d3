package io.prefstream.trainer.objective;

import ai.djl.ndarray.NDArray;

/**
 * Tensors whose memory the native engine owns, safe to save for backward.
 *
 * <p>Why: DJL's PyTorch engine wraps Java-created arrays ({@code manager.create(double[])}, and the
 * scalar behind {@code x.mul(2.0)}) around a direct ByteBuffer that is released when the Java handle
 * closes; autograd may still hold the tensor, and once the GC reclaims the buffer, backward reads
 * freed memory (garbage gradients; {@code GradientLifetimeTest} checks the objectives against it). So every constant
 * that a differentiable op saves ({@code mul}, {@code div}, {@code minimum}) is a native copy, and
 * detached inputs are cloned before use. {@code add}/{@code sub} by a number save nothing and stay
 * plain.
 */
final class NativeTensors {

    private NativeTensors() {}

    /** A native 0-d constant with {@code like}'s dtype and manager. */
    static NDArray scalar(NDArray like, double value) {
        try (NDArray javaBacked = like.getManager().create(value)) {
            return javaBacked.toType(like.getDataType(), true).duplicate(); // () native clone
        }
    }

    /** A detached native copy of {@code array}, whatever owns the original's memory. */
    static NDArray detachedCopy(NDArray array) {
        try (NDArray view = array.stopGradient()) {
            return view.duplicate();
        }
    }
}
