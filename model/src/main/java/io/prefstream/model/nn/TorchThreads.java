package io.prefstream.model.nn;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets PyTorch's intra-op thread count once per JVM, before the first model is built:
 * {@code -Dprefstream.torch.threads=N} (default 1), unless DJL's own
 * {@code -Dai.djl.pytorch.num_threads} is given.
 *
 * <p>Why 1: the models here are small (matrices of tens to hundreds of columns), so an op gains
 * little from a second thread, while on a shared or busy machine (several services and the
 * trainer in one JVM, or other processes) OpenMP workers spin-wait for cores and an SFT step became
 * ten times slower with 2 threads than with 1 (measured on 2 cores under load: 0.8–1.3 vs
 * 11–15 it/s). Raise it on a dedicated machine with bigger models.
 */
public final class TorchThreads {

    public static final String PROPERTY = "prefstream.torch.threads";
    private static final Logger LOG = LoggerFactory.getLogger(TorchThreads.class);
    private static boolean configured;

    private TorchThreads() {}

    /** Applies the setting on the first call; later calls do nothing. */
    public static synchronized void ensureConfigured() {
        if (configured) {
            return;
        }
        configured = true;
        if (System.getProperty("ai.djl.pytorch.num_threads") != null) {
            return;
        }
        String value = System.getProperty(PROPERTY, "1");
        int threads;
        try {
            threads = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "-D" + PROPERTY + " must be a positive integer, found '" + value + "'", e);
        }
        if (threads <= 0) {
            throw new IllegalArgumentException("-D" + PROPERTY + " must be a positive integer, found " + threads);
        }
        Engine.getEngine("PyTorch");
        JniUtils.setNumThreads(threads);
        LOG.info("PyTorch intra-op threads: {} (set -D{}=N to change)", threads, PROPERTY);
    }
}
