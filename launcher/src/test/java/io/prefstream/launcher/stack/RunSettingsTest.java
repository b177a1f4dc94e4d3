package io.prefstream.launcher.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.prefstream.launcher.RunProfile;
import io.prefstream.platform.config.LoopMode;
import io.prefstream.trainer.TrainerSettings;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunSettingsTest {

    private static Map<String, String> base(LoopMode mode) {
        return RunSettings.run(RunProfile.named("default"))
                .task("arithmetic")
                .objective("online-dpo")
                .steps(800)
                .mode(mode)
                .seed(0)
                .reference(Path.of("reference"))
                .device("cpu")
                .httpPort(0)
                .maxResponseTokens(8)
                .base();
    }

    @Test
    void theProfilesMaxAheadIsRaisedAboveTheStepsBetweenPublicationsInBothModes() {
        var streaming = RunSettings.resolve(base(LoopMode.STREAMING), null, Map.of("trainer.checkpoint-every", "10"));
        assertEquals(12, streaming.get(TrainerSettings.MAX_AHEAD), "checkpoint-every 10 needs max-ahead > 10");
        var iterative =
                RunSettings.resolve(base(LoopMode.ITERATIVE), null, Map.of("trainer.steps-per-iteration", "40"));
        assertEquals(42, iterative.get(TrainerSettings.MAX_AHEAD));
        var untouched = RunSettings.resolve(base(LoopMode.STREAMING), null, Map.of());
        assertEquals(6, untouched.get(TrainerSettings.MAX_AHEAD), "the profile's 6 fits checkpoint-every 5");
        var chosen = RunSettings.resolve(
                base(LoopMode.STREAMING), null, Map.of("trainer.checkpoint-every", "10", "batcher.max-ahead", "4"));
        assertEquals(4, chosen.get(TrainerSettings.MAX_AHEAD), "a value the user chose is kept (and then rejected)");
    }

    @Test
    void humanLabelingTellsPeopleHowManyLabelsEachTrainerStepNeeds() {
        var human = RunSettings.run(RunProfile.named("default"))
                .task("arithmetic")
                .objective("online-dpo")
                .steps(800)
                .onlineFraction(0.5)
                .mode(LoopMode.STREAMING)
                .seed(0)
                .reference(Path.of("reference"))
                .device("cpu")
                .labeling(Map.of("labeler.human.route", "all"))
                .httpPort(0)
                .maxResponseTokens(8)
                .base();
        // the default profile's batch of 32 at online fraction 0.5: 16 labeled rollouts per step
        assertEquals("16", human.get("labeler.human.labels-per-step"));
        assertEquals(null, base(LoopMode.STREAMING).get("labeler.human.labels-per-step"), "machine labels: not shown");
    }
}
