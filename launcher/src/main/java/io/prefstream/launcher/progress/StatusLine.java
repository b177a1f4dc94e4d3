package io.prefstream.launcher.progress;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The one live status line of a run. On a terminal it is redrawn in place (carriage return, at
 * most {@value #TTY_REFRESH_MS} ms apart); otherwise a plain line is printed every
 * {@value #PLAIN_REFRESH_MS} ms, so logs and CI output stay readable.
 */
public final class StatusLine implements AutoCloseable {

    static final long TTY_REFRESH_MS = 250;
    static final long PLAIN_REFRESH_MS = 5000;

    private final PrintWriter out;
    private final boolean tty;
    private final Supplier<String> text;
    private final Thread thread;
    private volatile boolean running = true;
    private int lastLength;

    private StatusLine(PrintWriter out, boolean tty, Supplier<String> text) {
        this.out = out;
        this.tty = tty;
        this.text = text;
        this.thread = new Thread(this::loop, "status-line");
        this.thread.setDaemon(true);
    }

    /** Starts redrawing {@code text} on {@code out}. */
    public static StatusLine start(PrintWriter out, boolean tty, Supplier<String> text) {
        var line = new StatusLine(out, tty, text);
        line.thread.start();
        return line;
    }

    private void loop() {
        long period = tty ? TTY_REFRESH_MS : PLAIN_REFRESH_MS;
        while (running) {
            try {
                Thread.sleep(period);
            } catch (InterruptedException e) {
                return;
            }
            if (running) {
                draw();
            }
        }
    }

    private synchronized void draw() {
        String line = text.get();
        if (tty) {
            int pad = Math.max(0, lastLength - line.length());
            out.print("\r" + line + " ".repeat(pad));
            lastLength = line.length();
        } else {
            out.println(line);
        }
        out.flush();
    }

    /** Prints {@code message} on its own line without disturbing the status line. */
    public synchronized void println(String message) {
        if (tty && lastLength > 0) {
            out.print("\r" + " ".repeat(lastLength) + "\r");
            lastLength = 0;
        }
        out.println(message);
        out.flush();
    }

    /** Draws the final state once and ends the line. */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        draw();
        if (tty) {
            synchronized (this) {
                out.println();
                out.flush();
                lastLength = 0;
            }
        }
    }

    /**
     * The text of a training status line, e.g.
     * {@code step 120/300 | policy v12 | 45.2 pairs/s | lag gen 3 label 0 join 0 batch 2 train 0 | gold 0.712
     * | KL 0.084 | 1m23s}.
     */
    public static String training(RunMetrics metrics, long totalSteps, Map<String, Long> lag, long elapsedMs) {
        var train = metrics.lastTrain();
        var eval = metrics.lastEval();
        var sb = new StringBuilder();
        long step = train.map(RunMetrics.Point::step).orElse(0L);
        sb.append("step ").append(step).append('/').append(totalSteps);
        sb.append(" | policy v")
                .append(train.map(RunMetrics.Point::policyVersion).orElse(0L));
        sb.append(" | ")
                .append(train.map(p -> fmt("%.1f", p.get("pairs_per_s"))).orElse("-"))
                .append(" pairs/s");
        sb.append(" | lag");
        if (lag.isEmpty()) {
            sb.append(" -");
        }
        lag.forEach(
                (service, value) -> sb.append(' ').append(service).append(' ').append(value));
        sb.append(" | gold ")
                .append(eval.map(p -> fmt("%.3f", p.get("gold_reward"))).orElse("-"));
        sb.append(" | KL ").append(eval.map(p -> fmt("%.3f", klOf(p))).orElse("-"));
        sb.append(" | ").append(duration(elapsedMs));
        return sb.toString();
    }

    /** Token-level exact KL when the evaluation reports it, else the sequence estimate. */
    public static double klOf(RunMetrics.Point eval) {
        double kl = eval.get("kl_token");
        return Double.isNaN(kl) ? eval.get("kl_seq") : kl;
    }

    static String fmt(String pattern, double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, pattern, value);
    }

    /** {@code 42s}, {@code 3m05s}, {@code 1h02m}. */
    public static String duration(long ms) {
        long s = ms / 1000;
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }
}
