package io.prefstream.labeler;

import io.prefstream.platform.config.ConfigLoader;
import io.prefstream.schemas.Completion;
import io.prefstream.schemas.FinishReason;
import io.prefstream.schemas.Judgement;
import io.prefstream.schemas.Label;
import io.prefstream.schemas.LabelKind;
import io.prefstream.schemas.Prompt;
import io.prefstream.schemas.Rollout;
import io.prefstream.schemas.RolloutTimings;
import io.prefstream.schemas.SamplingParams;
import io.prefstream.schemas.Verdict;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Records and configs for labeler tests. */
public final class TestData {

    private TestData() {}

    /** A labeler config from {@code overrides} over the defaults (no environment, no file). */
    public static LabelerConfig config(Map<String, String> overrides) {
        var all = new HashMap<>(overrides);
        all.putIfAbsent("bootstrap.servers", "localhost:1");
        return LabelerConfig.from(ConfigLoader.forSettings(LabelerSettings.ALL)
                .withEnv(Map.of())
                .withOverrides(all)
                .load());
    }

    /** A rollout of prompt {@code promptText} (task arithmetic) with one completion per text. */
    public static Rollout rollout(String id, String promptText, String... texts) {
        var completions = new ArrayList<Completion>();
        for (int i = 0; i < texts.length; i++) {
            completions.add(new Completion(i, texts[i], List.of(1, 2), -1.5 - i, null, 2, FinishReason.EOS));
        }
        var prompt = new Prompt("p-" + id, "arithmetic", promptText, null, Map.of(), 1L);
        return new Rollout(
                id,
                prompt,
                completions,
                3L,
                new SamplingParams(1.0, 0, 1.0, 8, 7L),
                "gen-0",
                new RolloutTimings(1L, 2L),
                1_000L,
                Map.of());
    }

    /** A score label. */
    public static Label scores(String labelId, String rolloutId, LabelKind kind, String labelerId, double... scores) {
        return new Label(
                labelId,
                rolloutId,
                null,
                labelerId,
                kind,
                Arrays.stream(scores).boxed().toList(),
                null,
                null,
                null,
                null,
                "v1",
                5L);
    }

    /** A pairwise judgement label. */
    public static Label judgement(
            String labelId,
            String rolloutId,
            LabelKind kind,
            String labelerId,
            int chosen,
            int rejected,
            Verdict verdict) {
        return new Label(
                labelId,
                rolloutId,
                null,
                labelerId,
                kind,
                null,
                new Judgement(chosen, rejected, verdict, null, List.of(chosen, rejected)),
                null,
                null,
                null,
                "v1",
                5L);
    }
}
