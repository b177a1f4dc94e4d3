package io.prefstream.launcher;

import io.prefstream.model.train.ProgressListener;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * One updating line on stderr for a training loop: {@code [####----] step/total loss it/s ETA},
 * redrawn in place with a carriage return at most every 200 ms and on the last step.
 */
final class TrainingProgressBar implements ProgressListener {

    private static final int WIDTH = 24;
    private static final long REDRAW_NANOS = 200_000_000L;

    private final PrintWriter err;
    private final String label;
    private long lastDraw;
    private int lastLength;

    TrainingProgressBar(PrintWriter err, String label) {
        this.err = err;
        this.label = label;
    }

    @Override
    public void onStep(int step, int totalSteps, double loss, double lr, long elapsedNanos) {
        if (step < totalSteps && elapsedNanos - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = elapsedNanos;
        double seconds = elapsedNanos / 1e9;
        double rate = step / Math.max(seconds, 1e-9);
        long eta = Math.round((totalSteps - step) / Math.max(rate, 1e-9));
        int filled = (int) ((long) WIDTH * step / totalSteps);
        String line = String.format(
                Locale.ROOT,
                "%s [%s%s] %d/%d loss %.4f %.1f it/s ETA %d:%02d",
                label,
                "#".repeat(filled),
                "-".repeat(WIDTH - filled),
                step,
                totalSteps,
                loss,
                rate,
                eta / 60,
                eta % 60);
        err.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
        lastLength = line.length();
        if (step == totalSteps) {
            err.println();
        }
        err.flush();
    }
}
