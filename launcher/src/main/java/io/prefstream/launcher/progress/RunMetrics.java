package io.prefstream.launcher.progress;

import io.prefstream.schemas.MetricsKey;
import io.prefstream.schemas.MetricsKind;
import io.prefstream.schemas.TrainerMetrics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The trainer metrics of one run, one point per {@link MetricsKey} (policy, kind, step), in order of
 * first arrival, with the latest TRAIN and EVAL values at hand for the status line. A record for a
 * step already held replaces it in place: a restarted trainer retrains and republishes the steps
 * after its last checkpoint, and the later record is the one of the surviving lineage (see {@link
 * MetricsKey}), so sums over steps (labels, pairs, busy time) count each step once. Thread-safe: the
 * metrics consumer adds, the display and the report read snapshots.
 */
public final class RunMetrics {

    /** One record flattened: kind, step, policy version, wall time and the metric values. */
    public record Point(MetricsKind kind, long step, long policyVersion, long createdAtMs, Map<String, Double> values) {
        public Point {
            values = Map.copyOf(values);
        }

        /** The value of {@code name}, NaN when the record lacks it. */
        public double get(String name) {
            Double v = values.get(name);
            return v == null ? Double.NaN : v;
        }
    }

    private final List<Point> points = new ArrayList<>();
    private final Map<MetricsKey, Integer> positions = new HashMap<>();
    private int superseded;
    private Point lastTrain;
    private Point lastEval;

    public synchronized void add(TrainerMetrics record) {
        var values = new TreeMap<String, Double>();
        record.getMetrics().forEach((k, v) -> values.put(k.toString(), v));
        var point = new Point(
                record.getKind(), record.getStep(), record.getPolicyVersion(), record.getCreatedAtMs(), values);
        Integer at = positions.putIfAbsent(MetricsKey.of(record), points.size());
        if (at == null) {
            points.add(point);
        } else {
            points.set(at, point); // the republished step wins: last per step
            superseded++;
        }
        if (point.kind() == MetricsKind.TRAIN) {
            lastTrain = point;
        } else {
            lastEval = point;
        }
    }

    /** Records that replaced an earlier record of the same (policy, kind, step). */
    public synchronized int superseded() {
        return superseded;
    }

    public synchronized List<Point> snapshot() {
        return List.copyOf(points);
    }

    public synchronized List<Point> of(MetricsKind kind) {
        return points.stream().filter(p -> p.kind() == kind).toList();
    }

    public synchronized Optional<Point> lastTrain() {
        return Optional.ofNullable(lastTrain);
    }

    public synchronized Optional<Point> lastEval() {
        return Optional.ofNullable(lastEval);
    }
}
