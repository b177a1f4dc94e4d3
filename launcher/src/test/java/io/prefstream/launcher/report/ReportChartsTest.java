package io.prefstream.launcher.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.prefstream.launcher.progress.RunMetrics;
import io.prefstream.schemas.MetricsKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

class ReportChartsTest {

    private static RunMetrics.Point eval(long step, double kl, double reward) {
        return new RunMetrics.Point(
                MetricsKind.EVAL, step, step, 0, Map.of("kl_token", kl, "gold_reward", reward, "eval_prompts", 128.0));
    }

    @Test
    void movingAverageIsTheTrailingMeanOverWhatThereIs() {
        assertArrayEquals(
                new double[] {1, 1.5, 2, 3, 4}, ReportWriter.movingAverage(new double[] {1, 2, 3, 4, 5}, 3), 1e-12);
        assertArrayEquals(
                new double[] {4, 3, 8 / 3.0, 2}, ReportWriter.movingAverage(new double[] {4, 2, 2, 2}, 3), 1e-12);
    }

    @Test
    void lossChartHasNoMarkersAndASmoothedSeries() {
        var train = new ArrayList<RunMetrics.Point>();
        for (int s = 1; s <= 30; s++) {
            train.add(new RunMetrics.Point(MetricsKind.TRAIN, s, s, 0, Map.of("loss", s % 2 == 0 ? 1.0 : 0.0)));
        }
        var chart = ReportWriter.loss(train);
        assertEquals(
                List.of("loss per step", "moving average of 20 steps"),
                List.copyOf(chart.getSeriesMap().keySet()));
        for (XYSeries s : chart.getSeriesMap().values()) {
            assertEquals(30, s.getXData().length);
            assertEquals(SeriesMarkers.NONE, s.getMarker());
        }
        double[] smooth = chart.getSeriesMap().get("moving average of 20 steps").getYData();
        assertEquals(0.0, smooth[0], 1e-12);
        assertEquals(0.5, smooth[1], 1e-12);
        assertEquals(0.5, smooth[29], 1e-12); // steps 11..30: ten of each
    }

    @Test
    void frontierIsAScatterBinnedByStepWithLabelledReference() {
        // Evaluations in step order zig-zag in KL; the scatter keeps them apart by step range.
        var evals = List.of(
                eval(0, 0.0, 0.62),
                eval(40, 0.3, 0.7),
                eval(20, 0.1, 0.66),
                eval(60, 0.2, 0.72),
                eval(80, 0.5, 0.8),
                eval(100, 0.4, 0.79),
                eval(120, 0.6, 0.83),
                eval(140, 0.7, 0.85));
        var ref = ReportWriter.reference(evals, "gold_reward", 0.668, 500);
        assertEquals(0.62, ref.value(), 1e-12);
        assertEquals("π_ref, step-0 eval (128 prompts)", ref.label());
        var chart = ReportWriter.frontier(evals, ref);
        assertEquals(
                List.of(
                        "steps 0–20",
                        "steps 40–60",
                        "steps 80–100",
                        "steps 120–140",
                        "π_ref, step-0 eval (128 prompts)"),
                List.copyOf(chart.getSeriesMap().keySet()));
        for (XYSeries s : chart.getSeriesMap().values()) {
            assertEquals(XYSeries.XYSeriesRenderStyle.Scatter, s.getXYSeriesRenderStyle());
        }
        assertArrayEquals(
                new double[] {0.3, 0.2}, chart.getSeriesMap().get("steps 40–60").getXData(), 1e-12);

        var launcherRef = ReportWriter.reference(List.of(eval(10, 0.1, 0.7)), "gold_reward", 0.668, 500);
        assertEquals(new ReportWriter.Reference(0.668, "π_ref, launcher eval (500 prompts)"), launcherRef);
    }
}
