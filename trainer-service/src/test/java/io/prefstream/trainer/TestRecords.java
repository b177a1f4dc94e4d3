package io.prefstream.trainer;

import io.prefstream.schemas.Completion;
import io.prefstream.schemas.EmitReason;
import io.prefstream.schemas.FinishReason;
import io.prefstream.schemas.IndexPair;
import io.prefstream.schemas.KindScores;
import io.prefstream.schemas.LabelKind;
import io.prefstream.schemas.LabelSummary;
import io.prefstream.schemas.LabeledRollout;
import io.prefstream.schemas.PolicyUpdate;
import io.prefstream.schemas.PreferencePair;
import io.prefstream.schemas.Prompt;
import io.prefstream.schemas.Rollout;
import io.prefstream.schemas.RolloutTimings;
import io.prefstream.schemas.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builders of the Avro records the trainer consumes, with fixed timestamps so tests are reproducible. */
public final class TestRecords {

    private TestRecords() {}

    /** An offline pair on arithmetic text (tokenized by the trainer). */
    public static PreferencePair pair(String id, String prompt, String chosen, String rejected) {
        return PreferencePair.newBuilder()
                .setId(id)
                .setPromptText(prompt)
                .setChosenText(chosen)
                .setRejectedText(rejected)
                .setSource("test")
                .build();
    }

    /** One sampled completion of a rollout. */
    public record Sample(String text, int[] tokens, double logProb, boolean eos) {}

    /** A rollout of {@code samples} for {@code prompt} by policy {@code version}. */
    public static Rollout rollout(String id, String prompt, long version, double temperature, List<Sample> samples) {
        var completions = new ArrayList<Completion>();
        for (int i = 0; i < samples.size(); i++) {
            Sample s = samples.get(i);
            var tokens = new ArrayList<Integer>();
            for (int t : s.tokens()) {
                tokens.add(t);
            }
            completions.add(Completion.newBuilder()
                    .setIndex(i)
                    .setText(s.text())
                    .setTokenIds(tokens)
                    .setLogprob(s.logProb())
                    .setLength(s.tokens().length)
                    .setFinishReason(s.eos() ? FinishReason.EOS : FinishReason.LENGTH)
                    .build());
        }
        return Rollout.newBuilder()
                .setId(id)
                .setPrompt(Prompt.newBuilder()
                        .setId("p-" + id)
                        .setTask("arithmetic")
                        .setText(prompt)
                        .setCreatedAtMs(0L)
                        .build())
                .setCompletions(completions)
                .setPolicyVersion(version)
                .setSampling(SamplingParams.newBuilder()
                        .setTemperature(temperature)
                        .setTopK(0)
                        .setTopP(1.0)
                        .setMaxNewTokens(6)
                        .setSeed(0L)
                        .build())
                .setGeneratorId("test")
                .setTimings(RolloutTimings.newBuilder()
                        .setQueueMs(0)
                        .setSamplingMs(0)
                        .build())
                .setCreatedAtMs(0L)
                .build();
    }

    /** {@code rollout} labeled by a rule with one score per completion, and no derived pairs. */
    public static LabeledRollout labeled(Rollout rollout, double... scores) {
        var list = new ArrayList<Double>();
        for (double s : scores) {
            list.add(s);
        }
        return LabeledRollout.newBuilder()
                .setRollout(rollout)
                .setSummary(LabelSummary.newBuilder()
                        .setScores(List.of(KindScores.newBuilder()
                                .setKind(LabelKind.RULE)
                                .setMeanScores(list)
                                .setLabelCount(1)
                                .build()))
                        .setVotes(List.of())
                        .setLabelIds(List.of("label-" + rollout.getId()))
                        .build())
                .setPairs(List.<IndexPair>of())
                .setLabelCount(1)
                .setEmittedReason(EmitReason.POLICY_MET)
                .setEmittedAtMs(0L)
                .build();
    }

    /** A policy update of {@code policy} at {@code version}, reporting {@code consumedSequence} (null for none). */
    public static PolicyUpdate update(String policy, long version, Long consumedSequence) {
        return PolicyUpdate.newBuilder()
                .setPolicy(policy)
                .setVersion(version)
                .setCheckpointUri("file:///nowhere")
                .setSha256("00")
                .setBytes(0)
                .setTrainerStep(0)
                .setMetrics(Map.of())
                .setCreatedAtMs(0L)
                .setConsumedBatchSequence(consumedSequence)
                .build();
    }

    /** A policy update as trainers wrote it before the typed field: the consumed sequence in the metrics map. */
    public static PolicyUpdate legacyUpdate(String policy, long version, long consumedSequence) {
        return PolicyUpdate.newBuilder(update(policy, version, null))
                .setMetrics(Map.of("last_batch_sequence", (double) consumedSequence))
                .build();
    }
}
