package io.prefstream.schemas;

import java.util.List;
import java.util.Map;

/** One fully populated instance of every top-level record type, for round-trip tests. */
public final class SampleRecords {
    private SampleRecords() {}

    public static Prompt prompt() {
        return Prompt.newBuilder()
                .setId("p-1")
                .setTask("arithmetic")
                .setText("2+3=")
                .setTokenIds(List.of(5, 1, 6, 2))
                .setMetadata(Map.of("answer", "5"))
                .setCreatedAtMs(1_700_000_000_000L)
                .build();
    }

    public static Completion completion(int index, String text, FinishReason reason) {
        return Completion.newBuilder()
                .setIndex(index)
                .setText(text)
                .setTokenIds(List.of(7, 0))
                .setLogprob(-1.25)
                .setTokenLogprobs(List.of(-1.0f, -0.25f))
                .setLength(2)
                .setFinishReason(reason)
                .build();
    }

    public static Rollout rollout() {
        return Rollout.newBuilder()
                .setId(RolloutIds.of("p-1", 3, 42))
                .setPrompt(prompt())
                .setCompletions(List.of(completion(0, "5", FinishReason.EOS), completion(1, "6", FinishReason.LENGTH)))
                .setPolicyVersion(3)
                .setSampling(SamplingParams.newBuilder()
                        .setTemperature(1.0)
                        .setTopK(0)
                        .setTopP(1.0)
                        .setMaxNewTokens(8)
                        .setSeed(42)
                        .build())
                .setGeneratorId("gen-0")
                .setTimings(RolloutTimings.newBuilder()
                        .setQueueMs(4)
                        .setSamplingMs(12)
                        .build())
                .setCreatedAtMs(1_700_000_000_100L)
                .setMetadata(Map.of("device", "cpu"))
                .build();
    }

    public static LabelRequest labelRequest() {
        return LabelRequest.newBuilder()
                .setRequestId("req-1")
                .setRolloutId(rollout().getId())
                .setTask("arithmetic")
                .setPromptText("2+3=")
                .setCandidates(List.of(new LabelCandidate(0, "5"), new LabelCandidate(1, "6")))
                .setRequestedKind(LabelKind.HUMAN)
                .setPolicyVersion(3)
                .setCreatedAtMs(10)
                .setDeadlineMs(60_010)
                .build();
    }

    public static Label label() {
        return Label.newBuilder()
                .setLabelId("lab-1")
                .setRolloutId(rollout().getId())
                .setRequestId("req-1")
                .setLabelerId("alice")
                .setKind(LabelKind.HUMAN)
                .setScores(List.of(1.0, 0.0))
                .setJudgement(Judgement.newBuilder()
                        .setChosenIndex(0)
                        .setRejectedIndex(1)
                        .setVerdict(Verdict.PREFERENCE)
                        .setStrength(0.75)
                        .setDisplayOrder(List.of(1, 0))
                        .build())
                .setConfidence(0.9)
                .setRationale("5 is right")
                .setLeadTimeMs(3_400L)
                .setLabelerVersion("ui-1")
                .setCreatedAtMs(20)
                .build();
    }

    public static LabeledRollout labeledRollout() {
        return LabeledRollout.newBuilder()
                .setRollout(rollout())
                .setSummary(LabelSummary.newBuilder()
                        .setScores(List.of(new KindScores(LabelKind.REWARD_MODEL, List.of(0.5, -0.5), 2)))
                        .setVotes(List.of(new PairTally(LabelKind.HUMAN, 0, 1, 2, 0, 1, 0)))
                        .setLabelIds(List.of("lab-1", "lab-2", "lab-3"))
                        .build())
                .setPairs(List.of(new IndexPair(0, 1, "HUMAN", 2.0), new IndexPair(0, 1, "REWARD_MODEL", null)))
                .setLabelCount(3)
                .setEmittedReason(EmitReason.POLICY_MET)
                .setEmittedAtMs(30)
                .build();
    }

    public static PreferencePair preferencePair() {
        return PreferencePair.newBuilder()
                .setId("hh-17")
                .setPromptText("1+1=")
                .setPromptTokenIds(List.of(1, 3, 1, 2))
                .setChosenText("2")
                .setRejectedText("3")
                .setChosenTokenIds(List.of(2, 0))
                .setRejectedTokenIds(null)
                .setChosenRefLogprob(-0.5)
                .setRejectedRefLogprob(-2.5)
                .setChosenReward(1.0)
                .setRejectedReward(null)
                .setSource("arithmetic-offline")
                .build();
    }

    public static TrainingBatch trainingBatch() {
        return TrainingBatch.newBuilder()
                .setBatchId("b-9")
                .setSequence(9)
                .setOfflinePairs(List.of(preferencePair()))
                .setOnlineLabeled(List.of(labeledRollout()))
                .setOnlineUnlabeled(List.of(rollout()))
                .setMinPolicyVersion(3L)
                .setMaxPolicyVersion(3L)
                .setCreatedAtMs(40)
                .build();
    }

    public static PolicyUpdate policyUpdate() {
        return PolicyUpdate.newBuilder()
                .setPolicy("main")
                .setVersion(4)
                .setCheckpointUri("file:///tmp/ckpt/4")
                .setSha256("ab".repeat(32))
                .setBytes(123_456L)
                .setTrainerStep(400)
                .setMetrics(Map.of("loss", 0.61))
                .setCreatedAtMs(50)
                .build();
    }

    public static TrainerMetrics trainerMetrics() {
        return TrainerMetrics.newBuilder()
                .setPolicy("main")
                .setStep(400)
                .setPolicyVersion(4)
                .setKind(MetricsKind.EVAL)
                .setMetrics(Map.of("reward_accuracy", 0.8, "kl", 0.02))
                .setCreatedAtMs(60)
                .build();
    }
}
