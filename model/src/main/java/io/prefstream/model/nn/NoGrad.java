package io.prefstream.model.nn;

import ai.djl.pytorch.jni.JniUtils;

/**
 * A scope in which the current thread records no autograd graph (PyTorch's grad mode is
 * thread-local); the previous mode is restored on close. Inference paths (sampling, reference
 * log-probs, evaluation) run inside one so they never build or hold a graph.
 */
public final class NoGrad implements AutoCloseable {

    private final boolean previous;

    private NoGrad() {
        previous = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
    }

    /** Disables gradient recording on this thread until {@link #close()}. */
    public static NoGrad enter() {
        return new NoGrad();
    }

    @Override
    public void close() {
        JniUtils.setGradMode(previous);
    }
}
