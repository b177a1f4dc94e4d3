package io.prefstream.launcher.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.prefstream.schemas.MetricsKind;
import io.prefstream.schemas.TrainerMetrics;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunMetricsTest {

    private static TrainerMetrics record(String policy, MetricsKind kind, long step, double loss, double labels) {
        return TrainerMetrics.newBuilder()
                .setPolicy(policy)
                .setStep(step)
                .setPolicyVersion(step / 3)
                .setKind(kind)
                .setMetrics(Map.of("loss", loss, "online_labels", labels))
                .setCreatedAtMs(step)
                .build();
    }

    @Test
    void aStepRepublishedAfterARestartReplacesTheEarlierRecordLastWins() {
        var metrics = new RunMetrics();
        for (long s = 1; s <= 5; s++) {
            metrics.add(record("p", MetricsKind.TRAIN, s, s, 8));
        }
        metrics.add(record("p", MetricsKind.EVAL, 3, 0.5, 0));
        metrics.add(record("p", MetricsKind.EVAL, 5, 0.7, 0));
        // the trainer dies after step 5 with its last checkpoint at step 2; it retrains steps 3.. again
        metrics.add(record("p", MetricsKind.EVAL, 3, 0.55, 0));
        for (long s = 3; s <= 6; s++) {
            metrics.add(record("p", MetricsKind.TRAIN, s, 10 * s, 8));
        }

        List<RunMetrics.Point> train = metrics.of(MetricsKind.TRAIN);
        assertEquals(
                List.of(1L, 2L, 3L, 4L, 5L, 6L),
                train.stream().map(RunMetrics.Point::step).toList());
        assertEquals(
                List.of(1.0, 2.0, 30.0, 40.0, 50.0, 60.0),
                train.stream().map(p -> p.get("loss")).toList(),
                "the republished steps carry the values of the lineage that survived");
        assertEquals(
                6 * 8.0,
                train.stream().mapToDouble(p -> p.get("online_labels")).sum(),
                "labels of each step counted once");
        List<RunMetrics.Point> eval = metrics.of(MetricsKind.EVAL);
        assertEquals(List.of(3L, 5L), eval.stream().map(RunMetrics.Point::step).toList());
        assertEquals(List.of(0.55, 0.7), eval.stream().map(p -> p.get("loss")).toList());
        assertEquals(8, metrics.snapshot().size());
        assertEquals(4, metrics.superseded(), "3 TRAIN steps and 1 EVAL republished");
        assertEquals(6, metrics.lastTrain().orElseThrow().step());
        assertEquals(3, metrics.lastEval().orElseThrow().step(), "the latest EVAL to arrive");
    }

    @Test
    void theSameStepOfAnotherKindOrPolicyIsKept() {
        var metrics = new RunMetrics();
        metrics.add(record("p", MetricsKind.TRAIN, 4, 1, 0));
        metrics.add(record("p", MetricsKind.EVAL, 4, 2, 0));
        metrics.add(record("q", MetricsKind.TRAIN, 4, 3, 0));
        assertEquals(3, metrics.snapshot().size());
        assertEquals(0, metrics.superseded());
    }
}
