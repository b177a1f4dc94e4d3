package io.prefstream.launcher.experiment;

import io.prefstream.launcher.progress.RunMetrics.Point;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.style.markers.Diamond;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The experiment's plots, one colour per arm (the spec's order) in every plot, each legend naming
 * the arm and its number of seeds:
 * <ul>
 *   <li>{@code gold_vs_step.png}, {@code kl_vs_step.png}: per arm the mean over seeds of the trainer's
 *       evaluations at each step (steps every seed evaluated), with a shaded band of ± 1 std;</li>
 *   <li>{@code gold_vs_kl.png}: every evaluation of every run as a small point, each arm's final
 *       mean (summary KL, final gold reward) as a large diamond with ± 1 std bars in both directions,
 *       and π_ref at KL 0;</li>
 *   <li>{@code gold_vs_wall.png}: gold reward against seconds since online training started, one thin
 *       line per run, and the target as a dashed line (runs that report {@code online_started_ms});</li>
 *   <li>{@code proxy_vs_kl.png}: per arm, mean gold reward and mean proxy reward (the TRAIN records'
 *       {@code label_reward_mean} since the previous evaluation, or the evaluation's own {@code proxy_reward})
 *       against mean KL, and the KL budget.</li>
 * </ul>
 * A plot without data is not written, and says why.
 */
final class ExperimentPlots {

    static final String GOLD_VS_STEP = "gold_vs_step.png";
    static final String KL_VS_STEP = "kl_vs_step.png";
    static final String GOLD_VS_KL = "gold_vs_kl.png";
    static final String GOLD_VS_WALL = "gold_vs_wall.png";
    static final String PROXY_VS_KL = "proxy_vs_kl.png";

    /** Tableau 10: distinct, print-safe, one per arm in spec order. */
    private static final Color[] PALETTE = {
        new Color(31, 119, 180),
        new Color(255, 127, 14),
        new Color(44, 160, 44),
        new Color(214, 39, 40),
        new Color(148, 103, 189),
        new Color(140, 86, 75),
        new Color(227, 119, 194),
        new Color(127, 127, 127),
        new Color(188, 189, 34),
        new Color(23, 190, 207)
    };

    private static final int MARKER_SIZE = 5;
    private static final BasicStroke DASHED =
            new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 6f}, 0f);

    /** A diamond three times the size of the evaluation points. */
    private static final Diamond LARGE_DIAMOND = new Diamond() {
        @Override
        public void paint(Graphics2D g, double x, double y, int markerSize) {
            super.paint(g, x, y, 3 * markerSize);
        }
    };

    /** A plot written, or skipped with the reason. */
    record Plot(String file, String title, boolean written, String note) {}

    /** The runs of one arm in the spec's order, with the arm's colour. */
    record ArmRuns(String name, int index, List<MeasuredRun> runs) {
        Color colour() {
            return PALETTE[index % PALETTE.length];
        }

        String label() {
            return name + " (" + runs.size() + (runs.size() == 1 ? " seed)" : " seeds)");
        }
    }

    private ExperimentPlots() {}

    static List<Plot> write(Path dir, ExperimentSpec spec, List<ArmRuns> arms) throws IOException {
        var plots = new ArrayList<Plot>();
        var withRuns = arms.stream().filter(a -> !a.runs().isEmpty()).toList();
        plots.add(save(
                dir,
                GOLD_VS_STEP,
                meanVsStep(
                        "Gold reward vs step (mean over seeds, band ± 1 std)",
                        "mean gold reward",
                        withRuns,
                        e -> e.get("gold_reward")),
                "no run has evaluations with a gold reward"));
        plots.add(save(
                dir,
                KL_VS_STEP,
                meanVsStep(
                        "KL(π‖π_ref) vs step (mean over seeds, band ± 1 std)",
                        "KL(π‖π_ref) (nats)",
                        withRuns,
                        RunCurves::kl),
                "no run has evaluations with a KL"));
        plots.add(save(dir, GOLD_VS_KL, frontier(withRuns), "no run has evaluations with gold reward and KL"));

        boolean started = withRuns.stream()
                .flatMap(a -> a.runs().stream())
                .anyMatch(r -> Double.isFinite(r.summary("online_started_ms")));
        if (started) {
            plots.add(save(
                    dir,
                    GOLD_VS_WALL,
                    goldVsWall(withRuns, spec.metrics().get("target-gold")),
                    "no run has evaluations with a gold reward"));
        } else {
            plots.add(skipped(GOLD_VS_WALL, "Gold reward vs wall time", "the runs do not report `online_started_ms`"));
        }

        Double budget = spec.metrics().get("kl-budget");
        boolean proxy = withRuns.stream()
                .flatMap(a -> a.runs().stream())
                .anyMatch(r -> r.curves().hasProxyReward());
        if (budget != null && proxy) {
            plots.add(
                    save(dir, PROXY_VS_KL, proxyVsKl(withRuns, budget), "no evaluation has a proxy reward before it"));
        } else {
            plots.add(skipped(
                    PROXY_VS_KL,
                    "Proxy and gold reward vs KL",
                    budget == null
                            ? "the spec sets no `kl-budget`"
                            : "no run reports a proxy reward (`proxy_reward` or `label_reward_mean`)"));
        }
        return plots;
    }

    /** Mean and std over an arm's seeds of {@code y} at each step every seed evaluated. */
    record StepCurve(double[] steps, double[] mean, double[] std) {}

    static StepCurve stepCurve(List<MeasuredRun> runs, ToDoubleFunction<Point> y) {
        var perRun = new ArrayList<Map<Long, Double>>();
        for (MeasuredRun r : runs) {
            var m = new HashMap<Long, Double>();
            r.curves().evals().stream()
                    .filter(e -> Double.isFinite(y.applyAsDouble(e)))
                    .forEach(e -> m.put(e.step(), y.applyAsDouble(e)));
            perRun.add(m);
        }
        var common = new TreeSet<>(
                perRun.isEmpty()
                        ? Map.<Long, Double>of().keySet()
                        : perRun.get(0).keySet());
        perRun.forEach(m -> common.retainAll(m.keySet()));
        var steps = common.stream().mapToDouble(Long::doubleValue).toArray();
        double[] mean = new double[steps.length];
        double[] std = new double[steps.length];
        int i = 0;
        for (long step : common) {
            var s = new SeedSample(perRun.stream().mapToDouble(m -> m.get(step)).toArray());
            mean[i] = s.mean();
            std[i++] = s.std();
        }
        return new StepCurve(steps, mean, std);
    }

    static XYChart meanVsStep(String title, String yTitle, List<ArmRuns> arms, ToDoubleFunction<Point> y) {
        XYChart chart = chart(title, "trainer step", yTitle);
        for (ArmRuns a : arms) {
            StepCurve c = stepCurve(a.runs(), y);
            if (c.steps().length == 0) {
                continue;
            }
            if (a.runs().size() > 1) {
                band(chart, a, c.steps(), c.mean(), c.std());
            }
            XYSeries mean = chart.addSeries(a.label(), c.steps(), c.mean());
            mean.setLineColor(a.colour());
            mean.setMarkerColor(a.colour());
            mean.setMarker(SeriesMarkers.CIRCLE);
            mean.setLineWidth(2f);
        }
        return chart;
    }

    /** A filled polygon from mean + std along the steps and back along mean − std. */
    private static void band(XYChart chart, ArmRuns a, double[] x, double[] mean, double[] std) {
        int n = x.length;
        double[] px = new double[2 * n];
        double[] py = new double[2 * n];
        for (int i = 0; i < n; i++) {
            px[i] = x[i];
            py[i] = mean[i] + std[i];
            px[2 * n - 1 - i] = x[i];
            py[2 * n - 1 - i] = mean[i] - std[i];
        }
        XYSeries band = chart.addSeries(a.name() + " ± 1 std", px, py);
        band.setXYSeriesRenderStyle(XYSeriesRenderStyle.PolygonArea);
        Color c = a.colour();
        band.setFillColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 50));
        band.setLineColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 90));
        band.setLineWidth(0.5f);
        band.setMarker(SeriesMarkers.NONE);
        band.setShowInLegend(false);
    }

    static XYChart frontier(List<ArmRuns> arms) {
        XYChart chart = chart(
                "Gold reward vs KL(π‖π_ref): every evaluation, and final mean ± std per arm",
                "KL(π‖π_ref) (nats)",
                "mean gold reward");
        var refs = new ArrayList<Double>();
        var finals = new LinkedHashMap<ArmRuns, double[]>();
        for (ArmRuns a : arms) {
            var kl = new ArrayList<Double>();
            var gold = new ArrayList<Double>();
            for (MeasuredRun r : a.runs()) {
                for (Point e : r.curves().evals()) {
                    if (Double.isFinite(RunCurves.kl(e)) && Double.isFinite(e.get("gold_reward"))) {
                        kl.add(RunCurves.kl(e));
                        gold.add(e.get("gold_reward"));
                    }
                }
                if (Double.isFinite(r.summary("reference_gold_reward"))) {
                    refs.add(r.summary("reference_gold_reward"));
                }
            }
            if (!kl.isEmpty()) {
                XYSeries s =
                        chart.addSeries(a.name() + " evaluations (" + a.runs().size() + " seeds)", kl, gold);
                s.setXYSeriesRenderStyle(XYSeriesRenderStyle.Scatter);
                s.setMarker(SeriesMarkers.CIRCLE);
                Color c = a.colour();
                s.setMarkerColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 140));
            }
            var k = finite(a.runs(), "kl");
            var g = finite(a.runs(), "final_gold_reward");
            if (k.n() > 0 && g.n() > 0) {
                finals.put(a, new double[] {k.mean(), g.mean(), k.std(), g.std()});
            }
        }
        // Final means last, so they are drawn over the clouds of points.
        for (var f : finals.entrySet()) {
            ArmRuns a = f.getKey();
            double[] v = f.getValue();
            whisker(
                    chart,
                    a.name() + " KL ± std",
                    new double[] {v[0] - v[2], v[0] + v[2]},
                    new double[] {v[1], v[1]},
                    a.colour());
            whisker(
                    chart,
                    a.name() + " gold ± std",
                    new double[] {v[0], v[0]},
                    new double[] {v[1] - v[3], v[1] + v[3]},
                    a.colour());
            XYSeries m = chart.addSeries(a.label() + ": final mean ± std", new double[] {v[0]}, new double[] {v[1]});
            m.setXYSeriesRenderStyle(XYSeriesRenderStyle.Scatter);
            m.setMarker(LARGE_DIAMOND);
            m.setMarkerColor(a.colour().darker());
        }
        if (!refs.isEmpty()) {
            XYSeries r = chart.addSeries("π_ref (launcher eval, mean over runs)", new double[] {0}, new double[] {
                refs.stream().mapToDouble(Double::doubleValue).average().orElseThrow()
            });
            r.setXYSeriesRenderStyle(XYSeriesRenderStyle.Scatter);
            r.setMarker(LARGE_DIAMOND);
            r.setMarkerColor(Color.GRAY);
        }
        return chart;
    }

    private static void whisker(XYChart chart, String name, double[] x, double[] y, Color colour) {
        XYSeries s = chart.addSeries(name, x, y);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(colour.darker());
        s.setLineWidth(2f);
        s.setShowInLegend(false);
    }

    static XYChart goldVsWall(List<ArmRuns> arms, Double target) {
        XYChart chart = chart(
                "Gold reward vs wall time (one line per run)",
                "seconds since online training started",
                "mean gold reward");
        double maxX = 0;
        for (ArmRuns a : arms) {
            boolean first = true;
            for (MeasuredRun r : a.runs()) {
                double started = r.summary("online_started_ms");
                if (!Double.isFinite(started)) {
                    continue;
                }
                var evals = r.curves().evals().stream()
                        .filter(e -> Double.isFinite(e.get("gold_reward")))
                        .sorted(Comparator.comparingLong(Point::createdAtMs))
                        .toList();
                if (evals.isEmpty()) {
                    continue;
                }
                double[] x = evals.stream()
                        .mapToDouble(e -> (e.createdAtMs() - started) / 1000.0)
                        .toArray();
                double[] y =
                        evals.stream().mapToDouble(e -> e.get("gold_reward")).toArray();
                maxX = Math.max(maxX, x[x.length - 1]);
                XYSeries s = chart.addSeries(first ? a.label() : a.name() + " seed " + r.seed(), x, y);
                s.setLineColor(a.colour());
                s.setLineWidth(1.2f);
                s.setMarker(SeriesMarkers.NONE);
                s.setShowInLegend(first);
                first = false;
            }
        }
        if (target != null && !chart.getSeriesMap().isEmpty()) {
            XYSeries t = chart.addSeries(
                    "target gold reward " + target, new double[] {0, Math.max(1, maxX)}, new double[] {target, target});
            t.setMarker(SeriesMarkers.NONE);
            t.setLineColor(Color.GRAY);
            t.setLineStyle(DASHED);
        }
        return chart;
    }

    static XYChart proxyVsKl(List<ArmRuns> arms, double budget) {
        XYChart chart = chart("Proxy and gold reward vs KL, mean over seeds", "KL(π‖π_ref) (nats)", "reward");
        double minY = Double.POSITIVE_INFINITY;
        double maxY = Double.NEGATIVE_INFINITY;
        for (ArmRuns a : arms) {
            // Per step every seed evaluated: mean KL, mean gold and mean proxy over seeds.
            var perRun = new ArrayList<Map<Long, double[]>>();
            for (MeasuredRun r : a.runs()) {
                var evals = r.curves().evals();
                double[] proxy = r.curves().proxyPerEval();
                var m = new TreeMap<Long, double[]>();
                for (int i = 0; i < evals.size(); i++) {
                    Point e = evals.get(i);
                    double kl = RunCurves.kl(e);
                    if (Double.isFinite(kl) && Double.isFinite(e.get("gold_reward"))) {
                        m.put(e.step(), new double[] {kl, e.get("gold_reward"), proxy[i]});
                    }
                }
                perRun.add(m);
            }
            var common = new TreeSet<>(perRun.get(0).keySet());
            perRun.forEach(m -> common.retainAll(m.keySet()));
            var kl = new ArrayList<Double>();
            var gold = new ArrayList<Double>();
            var proxyKl = new ArrayList<Double>();
            var proxy = new ArrayList<Double>();
            for (long step : common) {
                double k = perRun.stream()
                        .mapToDouble(m -> m.get(step)[0])
                        .average()
                        .orElseThrow();
                kl.add(k);
                gold.add(perRun.stream()
                        .mapToDouble(m -> m.get(step)[1])
                        .average()
                        .orElseThrow());
                double p = perRun.stream()
                        .mapToDouble(m -> m.get(step)[2])
                        .average()
                        .orElseThrow();
                if (Double.isFinite(p)) {
                    proxyKl.add(k);
                    proxy.add(p);
                }
            }
            if (proxy.isEmpty()) {
                continue;
            }
            XYSeries g = chart.addSeries(a.label() + ": gold", kl, gold);
            g.setLineColor(a.colour());
            g.setMarkerColor(a.colour());
            g.setMarker(SeriesMarkers.CIRCLE);
            g.setLineWidth(2f);
            XYSeries p = chart.addSeries(a.name() + ": proxy", proxyKl, proxy);
            p.setLineColor(a.colour());
            p.setMarkerColor(a.colour());
            p.setMarker(SeriesMarkers.TRIANGLE_UP);
            p.setLineStyle(DASHED);
            for (List<Double> ys : List.of(gold, proxy)) {
                for (double y : ys) {
                    minY = Math.min(minY, y);
                    maxY = Math.max(maxY, y);
                }
            }
        }
        if (!chart.getSeriesMap().isEmpty()) {
            XYSeries b =
                    chart.addSeries("KL budget " + budget, new double[] {budget, budget}, new double[] {minY, maxY});
            b.setMarker(SeriesMarkers.NONE);
            b.setLineColor(Color.GRAY);
            b.setLineStyle(DASHED);
        }
        return chart;
    }

    /** An arm's finite values of a summary metric. */
    private static SeedSample finite(List<MeasuredRun> runs, String metric) {
        return new SeedSample(runs.stream()
                .mapToDouble(r -> r.raw(metric))
                .filter(Double::isFinite)
                .toArray());
    }

    private static XYChart chart(String title, String x, String y) {
        XYChart chart = new XYChartBuilder()
                .width(900)
                .height(540)
                .title(title)
                .xAxisTitle(x)
                .yAxisTitle(y)
                .build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setMarkerSize(MARKER_SIZE);
        chart.getStyler().setLegendVisible(true);
        return chart;
    }

    private static Plot skipped(String file, String title, String why) {
        return new Plot(file, title, false, "Not drawn: " + why + ".");
    }

    private static Plot save(Path dir, String file, XYChart chart, String whyEmpty) throws IOException {
        boolean hasData = chart.getSeriesMap().keySet().stream().anyMatch(name -> !name.startsWith("π_ref"));
        if (!hasData) {
            Files.deleteIfExists(dir.resolve(file));
            return skipped(file, chart.getTitle(), whyEmpty);
        }
        // No ImageIO disk cache (see ReportWriter: the report may be written from a shutdown hook).
        ImageIO.setUseCache(false);
        try (OutputStream out = Files.newOutputStream(dir.resolve(file))) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
        return new Plot(file, chart.getTitle(), true, "");
    }
}
