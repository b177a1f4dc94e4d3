package io.prefstream.model.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prefstream.model.TestModels;
import io.prefstream.tasks.ArithmeticTask;
import java.util.HashSet;
import org.junit.jupiter.api.Test;

class OfflinePreferenceSetTest {

    @Test
    void pairsAreBestVersusWorstOfKWithTheirSamplesAsDrawn() {
        var task = new ArithmeticTask();
        try (var reference = TestModels.tinyLm(3)) {
            var pairs = OfflinePreferenceSet.build(task, reference, new OfflinePreferenceSet.Options(40, 4, 5));
            assertFalse(pairs.isEmpty(), "an untrained policy's samples differ in gold reward");
            var prompts = task.prompts(5, 40);
            var ids = new HashSet<String>();
            for (var pair : pairs) {
                assertTrue(ids.add(pair.id()), "unique id " + pair.id());
                int index = Integer.parseInt(pair.id().substring((task.name() + "-offline-5-").length()));
                assertEquals(prompts.get(index), pair.prompt());
                assertEquals("pi_ref-best-vs-worst-k4", pair.source());
                assertTrue(pair.chosenReward() > pair.rejectedReward(), pair.toString());
                assertEquals(task.goldReward(pair.prompt(), pair.chosen().text()), pair.chosenReward());
                assertEquals(task.goldReward(pair.prompt(), pair.rejected().text()), pair.rejectedReward());
                assertTrue(pair.chosen().tokens().length > 0 && pair.rejected().tokens().length > 0);
                assertTrue(pair.chosen().logProb() < 0 && pair.rejected().logProb() < 0);
            }
            assertThrows(IllegalArgumentException.class, () -> new OfflinePreferenceSet.Options(40, 1, 5));
            assertThrows(IllegalArgumentException.class, () -> new OfflinePreferenceSet.Options(0, 4, 5));
        }
    }
}
