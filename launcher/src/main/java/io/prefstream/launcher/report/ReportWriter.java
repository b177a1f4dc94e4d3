package io.prefstream.launcher.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefstream.launcher.progress.RunMetrics;
import io.prefstream.launcher.progress.StatusLine;
import io.prefstream.schemas.MetricsKind;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Writes a run's report directory:
 * <ul>
 *   <li>{@code summary.json}: the run summary (the {@code --json} line);</li>
 *   <li>{@code metrics.csv} and {@code metrics.json}: every trainer TRAIN and EVAL record;</li>
 *   <li>PNG plots: gold reward vs step, gold reward vs KL, accuracy vs step, loss vs step;</li>
 *   <li>{@code index.html}: the summary table and the plots.</li>
 * </ul>
 * Plots need data: a plot with no points is left out and {@code index.html} says so.
 */
public final class ReportWriter {

    public static final String SUMMARY_JSON = "summary.json";
    public static final String METRICS_CSV = "metrics.csv";
    public static final String METRICS_JSON = "metrics.json";
    public static final String INDEX_HTML = "index.html";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ReportWriter() {}

    /** A plot written (or skipped for lack of data). */
    public record Plot(String file, String title, boolean written) {}

    /** Writes every file of the report into {@code summary.reportDir()}; returns the plots. */
    public static List<Plot> write(RunSummary summary, RunMetrics metrics) {
        Path dir = summary.reportDir();
        try {
            Files.createDirectories(dir);
            Files.writeString(
                    dir.resolve(SUMMARY_JSON),
                    JSON.writeValueAsString(summary.toJson()) + "\n",
                    StandardCharsets.UTF_8);
            List<RunMetrics.Point> points = metrics.snapshot();
            Files.writeString(dir.resolve(METRICS_CSV), csv(points), StandardCharsets.UTF_8);
            Files.writeString(
                    dir.resolve(METRICS_JSON), JSON.writeValueAsString(json(points)) + "\n", StandardCharsets.UTF_8);
            List<Plot> plots = plots(dir, summary, metrics);
            Files.writeString(dir.resolve(INDEX_HTML), html(summary, plots), StandardCharsets.UTF_8);
            return plots;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the report to " + dir, e);
        }
    }

    static String csv(List<RunMetrics.Point> points) {
        var names = new TreeSet<String>();
        points.forEach(p -> names.addAll(p.values().keySet()));
        names.remove("step");
        names.remove("policy_version");
        var sb = new StringBuilder("kind,step,policy_version,created_at_ms");
        names.forEach(n -> sb.append(',').append(n));
        sb.append('\n');
        for (RunMetrics.Point p : points) {
            sb.append(p.kind())
                    .append(',')
                    .append(p.step())
                    .append(',')
                    .append(p.policyVersion())
                    .append(',')
                    .append(p.createdAtMs());
            for (String n : names) {
                double v = p.get(n);
                sb.append(',').append(Double.isNaN(v) ? "" : Double.toString(v));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    static ArrayNode json(List<RunMetrics.Point> points) {
        ArrayNode array = JSON.createArrayNode();
        for (RunMetrics.Point p : points) {
            ObjectNode o = array.addObject();
            o.put("kind", p.kind().toString());
            o.put("step", p.step());
            o.put("policy_version", p.policyVersion());
            o.put("created_at_ms", p.createdAtMs());
            ObjectNode values = o.putObject("metrics");
            p.values().forEach((k, v) -> {
                if (Double.isFinite(v)) {
                    values.put(k, v);
                } else {
                    values.putNull(k);
                }
            });
        }
        return array;
    }

    /** Trailing window of the loss curve's moving average, in TRAIN records (one per trainer step). */
    static final int LOSS_WINDOW = 20;
    /** Step ranges of the gold-reward-vs-KL scatter, each its own colour, light (early) to dark (late). */
    static final int FRONTIER_BINS = 4;

    private static List<Plot> plots(Path dir, RunSummary summary, RunMetrics metrics) throws IOException {
        List<RunMetrics.Point> evals = metrics.of(MetricsKind.EVAL);
        List<RunMetrics.Point> train = metrics.of(MetricsKind.TRAIN);
        var plots = new ArrayList<Plot>();
        Reference ref = reference(
                evals,
                "gold_reward",
                summary.reference().goldRewardMean(),
                summary.reference().n());

        XYChart reward = chart("Gold reward vs step (held-out prompts)", "trainer step", "mean gold reward");
        addLine(reward, "trainer eval" + promptsOf(evals), evals, p -> p.step(), p -> p.get("gold_reward"));
        addReference(reward, ref, evals, train);
        plots.add(save(dir, "gold_reward_vs_step.png", reward));

        plots.add(save(dir, "gold_reward_vs_kl.png", frontier(evals, ref)));

        if (!Double.isNaN(
                summary.reference().accuracy())) { // tasks without exact answers (sentiment) have no such plot
            XYChart accuracy = chart("Exact accuracy vs step (held-out prompts)", "trainer step", "accuracy");
            addLine(accuracy, "trainer eval" + promptsOf(evals), evals, p -> p.step(), p -> p.get("accuracy"));
            addReference(
                    accuracy,
                    reference(
                            evals,
                            "accuracy",
                            summary.reference().accuracy(),
                            summary.reference().n()),
                    evals,
                    train);
            plots.add(save(dir, "accuracy_vs_step.png", accuracy));
        }

        plots.add(save(dir, "loss_vs_step.png", loss(train)));
        return plots;
    }

    /**
     * π_ref's value on the curves and where it comes from: the trainer's evaluation at step 0 (of
     * π_ref, on the same held-out prompts and seed as every later evaluation), else the launcher's
     * own (another number of prompts, so a different value).
     */
    record Reference(double value, String label) {}

    static Reference reference(List<RunMetrics.Point> evals, String metric, double launcherValue, int launcherPrompts) {
        return evals.stream()
                .filter(p -> p.step() == 0 && Double.isFinite(p.get(metric)))
                .findFirst()
                .map(p -> new Reference(p.get(metric), "π_ref, step-0 eval" + promptsOf(List.of(p))))
                .orElse(new Reference(launcherValue, "π_ref, launcher eval (" + launcherPrompts + " prompts)"));
    }

    /** " (N prompts)" from the evaluations' {@code eval_prompts}, or nothing when they do not say. */
    private static String promptsOf(List<RunMetrics.Point> evals) {
        return evals.stream().mapToDouble(p -> p.get("eval_prompts")).filter(Double::isFinite).findFirst().stream()
                .mapToObj(n -> " (" + (long) n + " prompts)")
                .findFirst()
                .orElse("");
    }

    /**
     * Gold reward against KL as a scatter (no line: successive evaluations need not move along the
     * frontier), one series per step range so the legend tells early from late, and π_ref at KL 0.
     */
    static XYChart frontier(List<RunMetrics.Point> evals, Reference ref) {
        XYChart chart = chart("Gold reward vs KL(π‖π_ref)", "KL(π‖π_ref) (nats)", "mean gold reward");
        var points = evals.stream()
                .filter(p -> Double.isFinite(StatusLine.klOf(p)) && Double.isFinite(p.get("gold_reward")))
                .sorted(Comparator.comparingLong(RunMetrics.Point::step))
                .toList();
        int bins = Math.min(FRONTIER_BINS, points.size());
        for (int b = 0; b < bins; b++) {
            var bin = points.subList(b * points.size() / bins, (b + 1) * points.size() / bins);
            XYSeries series = chart.addSeries(
                    "steps " + bin.get(0).step() + "–" + bin.get(bin.size() - 1).step(),
                    bin.stream().mapToDouble(StatusLine::klOf).toArray(),
                    bin.stream().mapToDouble(p -> p.get("gold_reward")).toArray());
            series.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            series.setMarker(SeriesMarkers.CIRCLE);
            float shade = bins == 1 ? 1f : b / (float) (bins - 1); // 0 = earliest, 1 = latest
            series.setMarkerColor(new Color(
                    Math.round(170 - 160 * shade), Math.round(200 - 150 * shade), Math.round(255 - 95 * shade)));
        }
        if (Double.isFinite(ref.value())) {
            XYSeries r = chart.addSeries(ref.label(), new double[] {0}, new double[] {ref.value()});
            r.setMarker(SeriesMarkers.DIAMOND);
            r.setMarkerColor(Color.GRAY);
            r.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        }
        return chart;
    }

    /** The per-step loss as a thin line without markers, and its trailing moving average of {@value #LOSS_WINDOW}. */
    static XYChart loss(List<RunMetrics.Point> train) {
        XYChart chart = chart("Training loss vs step", "trainer step", "loss");
        var finite = train.stream().filter(p -> Double.isFinite(p.get("loss"))).toList();
        if (finite.isEmpty()) {
            return chart;
        }
        double[] x = finite.stream().mapToDouble(RunMetrics.Point::step).toArray();
        double[] y = finite.stream().mapToDouble(p -> p.get("loss")).toArray();
        XYSeries raw = chart.addSeries("loss per step", x, y);
        raw.setMarker(SeriesMarkers.NONE);
        raw.setLineColor(new Color(170, 190, 230));
        raw.setLineWidth(1f);
        XYSeries smooth =
                chart.addSeries("moving average of " + LOSS_WINDOW + " steps", x, movingAverage(y, LOSS_WINDOW));
        smooth.setMarker(SeriesMarkers.NONE);
        smooth.setLineColor(new Color(20, 60, 160));
        smooth.setLineWidth(2.5f);
        return chart;
    }

    /** Trailing mean: {@code out[i] = mean(y[max(0, i−w+1) .. i])} (the first w−1 average what there is). */
    static double[] movingAverage(double[] y, int window) {
        if (window < 1) {
            throw new IllegalArgumentException("moving-average window must be >= 1, found " + window);
        }
        double[] out = new double[y.length];
        double sum = 0;
        for (int i = 0; i < y.length; i++) {
            sum += y[i];
            if (i >= window) {
                sum -= y[i - window];
            }
            out[i] = sum / Math.min(i + 1, window);
        }
        return out;
    }

    private static XYChart chart(String title, String x, String y) {
        XYChart chart = new XYChartBuilder()
                .width(800)
                .height(480)
                .title(title)
                .xAxisTitle(x)
                .yAxisTitle(y)
                .build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setMarkerSize(6);
        chart.getStyler().setLegendVisible(true);
        return chart;
    }

    private static void addLine(
            XYChart chart,
            String name,
            List<RunMetrics.Point> points,
            ToDoubleFunction<RunMetrics.Point> x,
            ToDoubleFunction<RunMetrics.Point> y) {
        var finite = points.stream()
                .filter(p -> Double.isFinite(x.applyAsDouble(p)) && Double.isFinite(y.applyAsDouble(p)))
                .toList();
        if (finite.isEmpty()) {
            return;
        }
        chart.addSeries(
                name,
                finite.stream().mapToDouble(x).toArray(),
                finite.stream().mapToDouble(y).toArray());
    }

    /** A dashed horizontal line at π_ref's value across the plotted step range. */
    private static void addReference(
            XYChart chart, Reference ref, List<RunMetrics.Point> evals, List<RunMetrics.Point> train) {
        double value = ref.value();
        if (!Double.isFinite(value)) {
            return;
        }
        double last = Math.max(
                1,
                java.util.stream.Stream.concat(evals.stream(), train.stream())
                        .mapToLong(RunMetrics.Point::step)
                        .max()
                        .orElse(1));
        XYSeries series = chart.addSeries(ref.label(), new double[] {0, last}, new double[] {value, value});
        series.setMarker(SeriesMarkers.NONE);
        series.setLineStyle(
                new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 6f}, 0f));
        series.setLineColor(Color.GRAY);
    }

    private static Plot save(Path dir, String file, XYChart chart) throws IOException {
        // No ImageIO disk cache: its temp file registers a JVM shutdown hook, which fails while the
        // report of an interrupted (Ctrl-C) run is written from inside the shutdown.
        ImageIO.setUseCache(false);
        boolean hasData = chart.getSeriesMap().values().stream()
                .anyMatch(s -> s.getXData().length > 0 && !s.getName().startsWith("π_ref"));
        if (!hasData) {
            Files.deleteIfExists(dir.resolve(file));
            return new Plot(file, chart.getTitle(), false);
        }
        try (OutputStream out = Files.newOutputStream(dir.resolve(file))) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
        return new Plot(file, chart.getTitle(), true);
    }

    static String html(RunSummary summary, List<Plot> plots) {
        var sb = new StringBuilder();
        sb.append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>Prefstream run: ")
                .append(escape(summary.task()))
                .append(" / ")
                .append(escape(summary.algo()))
                .append("</title>\n")
                .append("<style>body{font-family:sans-serif;margin:2em;max-width:900px}"
                        + "table{border-collapse:collapse}td,th{padding:4px 12px;border-bottom:1px solid #ddd;"
                        + "text-align:right}td:first-child,th:first-child{text-align:left}"
                        + "img{max-width:100%;border:1px solid #eee;margin:1em 0}</style></head><body>\n");
        sb.append("<h1>Prefstream run: ")
                .append(escape(summary.task()))
                .append(" / ")
                .append(escape(summary.algo()))
                .append("</h1>\n");
        sb.append("<p>")
                .append(summary.steps())
                .append(" of ")
                .append(summary.plannedSteps())
                .append(" trainer steps")
                .append(summary.completed() ? "" : " (stopped early)")
                .append(", ")
                .append(summary.policyVersions())
                .append(" policy versions, ")
                .append(String.format(Locale.ROOT, "%.1f", summary.elapsedSeconds()))
                .append(" s.</p>\n");
        sb.append("<h2>Reference vs final</h2>\n<pre>")
                .append(escape(summary.table()))
                .append("</pre>\n");
        sb.append("<p>Data: <a href=\"")
                .append(METRICS_CSV)
                .append("\">metrics.csv</a>, <a href=\"")
                .append(METRICS_JSON)
                .append("\">metrics.json</a>, <a href=\"")
                .append(SUMMARY_JSON)
                .append("\">summary.json</a>.</p>\n");
        sb.append(samples(summary));
        sb.append("<h2>Plots</h2>\n<p>Curves are the trainer's periodic evaluations (its own held-out prompts, "
                        + "the same prompts and seed every time; π_ref is its evaluation at step 0, and each legend gives "
                        + "its number of prompts). The table above is the launcher's evaluation of π_ref and of the final "
                        + "policy on ")
                .append(summary.reference().n())
                .append(" held-out prompts, so π_ref's value there "
                        + "differs from the curves' by sampling noise. The KL plot is a scatter, coloured by step range "
                        + "(light: early, dark: late); the loss plot shows each step and a moving average of ")
                .append(LOSS_WINDOW)
                .append(" steps.</p>\n");
        for (Plot p : plots) {
            if (p.written()) {
                sb.append("<h3>")
                        .append(escape(p.title()))
                        .append("</h3>\n<img src=\"")
                        .append(p.file())
                        .append("\" alt=\"")
                        .append(escape(p.title()))
                        .append("\">\n");
            } else {
                sb.append("<h3>")
                        .append(escape(p.title()))
                        .append("</h3>\n<p>No data: the trainer published no "
                                + "records for this plot during the run.</p>\n");
            }
        }
        sb.append("</body></html>\n");
        return sb.toString();
    }

    /** The same held-out prompts continued by π_ref and by the final policy (same sampling seed). */
    static String samples(RunSummary summary) {
        var ref = summary.reference().samples();
        var fin = summary.finalPolicy() == null
                ? List.<io.prefstream.model.eval.EvalReport.Sample>of()
                : summary.finalPolicy().samples();
        if (ref.isEmpty()) {
            return "";
        }
        var sb = new StringBuilder("<h2>Sample continuations</h2>\n<p>The first held-out prompts, one sample each at "
                + "temperature " + summary.reference().temperature() + " with the same seed for both policies; "
                + "gold reward in brackets.</p>\n<table><tr><th>prompt</th><th>π_ref</th><th>final</th></tr>\n");
        for (int i = 0; i < ref.size(); i++) {
            var r = ref.get(i);
            sb.append("<tr><td>")
                    .append(escape(r.prompt()))
                    .append("</td><td>")
                    .append(escape(r.response()))
                    .append(String.format(Locale.ROOT, " [%.2f]", r.goldReward()))
                    .append("</td><td>");
            if (i < fin.size() && fin.get(i).prompt().equals(r.prompt())) {
                sb.append(escape(fin.get(i).response()))
                        .append(String.format(Locale.ROOT, " [%.2f]", fin.get(i).goldReward()));
            } else {
                sb.append("—");
            }
            sb.append("</td></tr>\n");
        }
        return sb.append("</table>\n").toString();
    }

    static String escape(String s) {
        return s.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;")
                .replace("'", "&#39;");
    }
}
