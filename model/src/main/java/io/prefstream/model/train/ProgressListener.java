package io.prefstream.model.train;

/** Receives one call per optimizer step of a training loop (e.g. to draw a progress bar). */
@FunctionalInterface
public interface ProgressListener {

    /**
     * @param step 1-based step just completed
     * @param totalSteps steps planned
     * @param loss that step's loss
     * @param lr learning rate used
     * @param elapsedNanos time since training started
     */
    void onStep(int step, int totalSteps, double loss, double lr, long elapsedNanos);

    /** A listener that ignores progress. */
    static ProgressListener none() {
        return (step, total, loss, lr, elapsed) -> {};
    }
}
