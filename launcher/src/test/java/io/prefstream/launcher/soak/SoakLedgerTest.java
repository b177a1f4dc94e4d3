package io.prefstream.launcher.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prefstream.schemas.Completion;
import io.prefstream.schemas.EmitReason;
import io.prefstream.schemas.FinishReason;
import io.prefstream.schemas.LabelSummary;
import io.prefstream.schemas.LabeledRollout;
import io.prefstream.schemas.PolicyUpdate;
import io.prefstream.schemas.Prompt;
import io.prefstream.schemas.Rollout;
import io.prefstream.schemas.RolloutTimings;
import io.prefstream.schemas.SamplingParams;
import io.prefstream.schemas.TrainingBatch;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The soak's verdict is only as good as its counting: every count checked on a hand-built history. */
class SoakLedgerTest {

    @Test
    void aCleanHistorySettlesWithEveryCountZero() {
        var ledger = new SoakLedger(List.of("p0", "p1", "p2"));
        var r0 = rollout("r0", "p0");
        var r1 = rollout("r1", "p1");
        var r2 = rollout("r2", "p2");
        var filler = rollout("f0", "filler-0");
        for (Rollout r : List.of(r0, r1, r2, filler)) {
            ledger.rollout(r);
            ledger.labeled(labeled(r, EmitReason.POLICY_MET));
        }
        ledger.batch(batch(0, r0, r1));
        ledger.batch(batch(1, filler));
        ledger.stale("r2");
        assertFalse(ledger.settled(), "batches 0 and 1 not yet trained");
        assertEquals(1, ledger.accountedPrompts(), "only p2 (stale) is accounted before any policy update");
        ledger.policyUpdate(update(0, null));
        ledger.policyUpdate(update(1, 0L));
        assertTrue(ledger.settled());
        assertEquals(3, ledger.accountedPrompts());
        assertEquals(3, ledger.accountedGroups(), "r0, r1 (batch 0) and r2 (stale); batch 1 not yet trained");
        ledger.policyUpdate(update(2, 1L));
        assertEquals(4, ledger.accountedGroups());

        var c = ledger.counts();
        assertEquals(3, c.prompts());
        assertEquals(3, c.rollouts());
        assertEquals(2, c.trained());
        assertEquals(1, c.stale());
        assertEquals(0, c.pending());
        assertEquals(0, c.lost());
        assertEquals(2, c.batches());
        assertEquals(3, c.versions());
        assertEquals(4, c.groups());
        assertEquals(1, c.staleRecords());
        assertEquals(0.25, c.staleFraction(), 1e-12);
        assertEquals(Set.of(), c.failures());
    }

    @Test
    void lossesDuplicatesAndOrderingFaultsAreEachCounted() {
        var ledger = new SoakLedger(List.of("p0", "p1", "p2", "p3", "p4"));
        var r0 = rollout("r0", "p0");
        var r0again = rollout("r0b", "p0"); // p0 sampled twice
        var r1 = rollout("r1", "p1");
        var r2 = rollout("r2", "p2");
        var r3 = rollout("r3", "p3"); // never labeled, never batched: lost
        // p4: never sampled
        for (Rollout r : List.of(r0, r0again, r1, r2, r3)) {
            ledger.rollout(r);
        }
        ledger.labeled(labeled(r0, EmitReason.POLICY_MET));
        ledger.labeled(labeled(r0, EmitReason.POLICY_MET)); // labeled twice
        ledger.labeled(labeled(r0again, EmitReason.POLICY_MET));
        ledger.labeled(labeled(r1, EmitReason.TIMEOUT_FALLBACK)); // its labels came late
        ledger.labeled(labeled(r2, EmitReason.POLICY_MET));
        ledger.batch(batch(0, r0, r0again));
        ledger.batch(batch(0, r1)); // sequence 0 twice
        ledger.batch(batch(3, r2)); // 1 and 2 missing; never trained: pending
        ledger.stale("r1"); // r1 in a batch and stale: used twice
        ledger.policyUpdate(update(1, 0L));
        ledger.policyUpdate(update(1, 0L)); // version 1 twice
        ledger.policyUpdate(update(4, 0L)); // 2 and 3 missing; consumed nothing new: retrained
        ledger.policyUpdate(update(3, 0L)); // out of order
        ledger.injected(0, "prefstream.prompts empty");
        ledger.injected(1, "prefstream.rollouts oversized");
        ledger.deadLetter(0, "prefstream.prompts", "undecodable");
        ledger.deadLetter(0, "prefstream.prompts", "undecodable");
        ledger.deadLetter(null, "prefstream.labels", "late-label");
        ledger.undecodable("prefstream.rollouts-0@7: bad");

        assertFalse(ledger.settled());
        var c = ledger.counts();
        assertEquals(1, c.promptsLost(), "p4");
        assertEquals(1, c.promptsDuplicated(), "p0");
        assertEquals(5, c.rollouts());
        assertEquals(1, c.labelsLost(), "r3");
        assertEquals(1, c.labelsDuplicated(), "r0");
        assertEquals(1, c.joinTimeouts(), "r1");
        assertEquals(3, c.trained(), "r0, r0b, r1 in batch 0, trained through 0");
        assertEquals(0, c.stale(), "r1 counts as trained, its stale copy as a second use");
        assertEquals(1, c.pending(), "r2 in batch 3");
        assertEquals(1, c.lost(), "r3");
        assertEquals(1, c.usedTwice(), "r1");
        assertEquals(2, c.batches(), "sequences 0 and 3");
        assertEquals(1, c.batchesDuplicated());
        assertEquals(2, c.batchGaps(), "1 and 2");
        assertEquals(4, c.updates());
        assertEquals(3, c.versions(), "1, 3, 4");
        assertEquals(1, c.versionsDuplicated());
        assertEquals(2, c.versionsOutOfOrder(), "the second 1, and 3 after 4");
        assertEquals(1, c.versionGaps(), "2");
        assertEquals(2, c.batchesRetrained(), "versions 3 and 4 consumed nothing beyond version 1's batch 0");
        assertEquals(2, c.corruptInjected());
        assertEquals(1, c.corruptDeadLettered());
        assertEquals(2, c.corruptDeadLetters());
        assertEquals(List.of("#1 prefstream.rollouts oversized"), c.corruptMissing());
        assertEquals(Map.of("prefstream.labels: late-label", 1), c.otherDeadLetters());
        assertEquals(1, c.undecodable().size());
        var zero = c.mustBeZero();
        assertEquals(2L, zero.get("rollouts lost"), "lost and pending both count at the end");
        assertEquals(1L, zero.get("valid records dead-lettered"));
        assertEquals(zero.size(), c.failures().size(), "every must-be-zero count is non-zero here: " + zero);
    }

    private static Rollout rollout(String id, String promptId) {
        return Rollout.newBuilder()
                .setId(id)
                .setPrompt(Prompt.newBuilder()
                        .setId(promptId)
                        .setTask("arithmetic")
                        .setText("1+1=")
                        .setTokenIds(null)
                        .setMetadata(Map.of())
                        .setCreatedAtMs(0)
                        .build())
                .setCompletions(List.of(completion(0, "2"), completion(1, "3")))
                .setPolicyVersion(0)
                .setSampling(SamplingParams.newBuilder()
                        .setTemperature(1.0)
                        .setTopK(0)
                        .setTopP(1.0)
                        .setMaxNewTokens(4)
                        .setSeed(1)
                        .build())
                .setGeneratorId("g")
                .setTimings(RolloutTimings.newBuilder()
                        .setQueueMs(0)
                        .setSamplingMs(0)
                        .build())
                .setCreatedAtMs(0)
                .setMetadata(Map.of())
                .build();
    }

    private static Completion completion(int index, String text) {
        return Completion.newBuilder()
                .setIndex(index)
                .setText(text)
                .setTokenIds(List.of(1))
                .setLogprob(-1.0)
                .setTokenLogprobs(List.of(-1.0f))
                .setLength(1)
                .setFinishReason(FinishReason.EOS)
                .build();
    }

    private static LabeledRollout labeled(Rollout r, EmitReason reason) {
        return LabeledRollout.newBuilder()
                .setRollout(r)
                .setSummary(LabelSummary.newBuilder()
                        .setScores(List.of())
                        .setVotes(List.of())
                        .setLabelIds(List.of())
                        .build())
                .setPairs(List.of())
                .setLabelCount(0)
                .setEmittedReason(reason)
                .setEmittedAtMs(0)
                .build();
    }

    private static TrainingBatch batch(long sequence, Rollout... online) {
        return TrainingBatch.newBuilder()
                .setBatchId("b" + sequence)
                .setSequence(sequence)
                .setOfflinePairs(List.of())
                .setOnlineLabeled(Arrays.stream(online)
                        .map(r -> labeled(r, EmitReason.POLICY_MET))
                        .toList())
                .setOnlineUnlabeled(List.of())
                .setMinPolicyVersion(null)
                .setMaxPolicyVersion(null)
                .setCreatedAtMs(0)
                .build();
    }

    private static PolicyUpdate update(long version, Long consumed) {
        return PolicyUpdate.newBuilder()
                .setPolicy("policy")
                .setVersion(version)
                .setCheckpointUri("file:///c")
                .setSha256("00")
                .setBytes(1)
                .setTrainerStep(version)
                .setMetrics(Map.of())
                .setCreatedAtMs(0)
                .setConsumedBatchSequence(consumed)
                .build();
    }
}
