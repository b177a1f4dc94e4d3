package io.prefstream.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.prefstream.generator.AdmissionControl.Code;
import io.prefstream.platform.config.LoopMode;
import org.junit.jupiter.api.Test;

class AdmissionControlTest {

    @Test
    void noPolicyKeepsTheGateClosedInEveryMode() {
        for (var gate : new AdmissionControl[] {
            new AdmissionControl(LoopMode.ITERATIVE, 5, 0, 0), new AdmissionControl(LoopMode.STREAMING, 0, 0, 0)
        }) {
            var a = gate.admit(-1, 0, 0);
            assertEquals(Code.NO_POLICY, a.code());
            assertEquals(0, a.quota());
            assertEquals("no policy yet", a.reason());
        }
    }

    @Test
    void iterativeQuotaIsTheRestOfTheBudgetThenClosed() {
        var gate = new AdmissionControl(LoopMode.ITERATIVE, 5, 3, 10);
        assertEquals(5, gate.admit(0, 0, 0).quota());
        assertEquals(2, gate.admit(0, 3, 0).quota());
        assertEquals(1, gate.admit(0, 4, 1_000_000).quota(), "iterative mode ignores the backlog");
        var spent = gate.admit(7, 5, 0);
        assertEquals(Code.BUDGET_SPENT, spent.code());
        assertEquals("budget spent: 5 rollouts with version 7 (budget 5); waiting for version 8", spent.reason());
        assertEquals(Code.BUDGET_SPENT, gate.admit(7, 6, 0).code());
    }

    /**
     * Issue 18's burst: B = 100, S = 1, the trainer consumes 80 per version. Each version event
     * restarts P, so the per-version rule alone opens again for (S + 1)·B = 200 although 120 of the
     * last 200 are still untrained; the untrained bound holds U ≤ 200 whatever P says.
     */
    @Test
    void untrainedBacklogClosesTheGateThatTheVersionEventReopened() {
        var gate = new AdmissionControl(LoopMode.STREAMING, 100, 1, 0);
        var perVersionOnly = new AdmissionControl(LoopMode.STREAMING, 100, 1, 0, false);
        // version 5 was just published: P = 0; produced 1000 in all, the trainer accounted for 880 -> U = 120
        assertEquals(200, perVersionOnly.admit(5, 0, 0, 120).quota(), "old rule: a fresh budget of (S+1)B");
        var open = gate.admit(5, 0, 0, 120);
        assertEquals(Code.OPEN, open.code());
        assertEquals(80, open.quota(), "200 - 120");
        // produced 1080, accounted 880 -> U = 200 = (S + 1) B: closed although P = 80 < 200
        var closed = gate.admit(5, 80, 0, 200);
        assertEquals(Code.UNTRAINED_BACKLOG, closed.code());
        assertEquals(0, closed.quota());
        assertEquals(
                "untrained backlog: 200 rollouts not yet trained or discarded >= (max-staleness + 1) x budget = 200;"
                        + " waiting for the trainer to consume them",
                closed.reason());
        assertEquals(Code.OPEN, perVersionOnly.admit(5, 80, 0, 200).code(), "old rule: 120 more");
        // the next version event restarts P, but U still counts the untrained work
        assertEquals(Code.UNTRAINED_BACKLOG, gate.admit(6, 0, 0, 250).code());
        // the trainer reports 60 more accounted for: U = 140, quota 60
        assertEquals(60, gate.admit(6, 0, 0, 140).quota());
    }

    @Test
    void theTighterOfBothBoundsSetsTheQuota() {
        var gate = new AdmissionControl(LoopMode.STREAMING, 4, 2, 0); // limit 12
        assertEquals(7, gate.admit(3, 5, 0, 2).quota(), "P = 5 leaves 7, U = 2 leaves 10");
        assertEquals(3, gate.admit(3, 5, 0, 9).quota(), "U = 9 leaves 3, P leaves 7");
        assertEquals(Code.AHEAD_OF_TRAINER, gate.admit(3, 12, 0, 0).code(), "the per-version bound still holds");
        assertEquals(12, gate.admit(3, 0, 0, -1).quota(), "no report yet: the per-version rule alone");
        assertEquals(12, gate.admit(3, 0, 0).quota());
    }

    @Test
    void untrainedBoundDoesNotApplyToIterativeModeOrAnUnlimitedBudget() {
        var iterative = new AdmissionControl(LoopMode.ITERATIVE, 5, 1, 0);
        assertEquals(5, iterative.admit(1, 0, 0, 1_000).quota(), "lock-step rounds keep the per-version budget");
        var unlimited = new AdmissionControl(LoopMode.STREAMING, 0, 1, 0);
        assertEquals(Long.MAX_VALUE, unlimited.admit(1, 0, 0, 1_000).quota());
    }

    @Test
    void untrainedBacklogCountsFromTheFirstReportThisProcessRead() {
        long[] produced = {0};
        long[] accounted = {-1};
        var u = new UntrainedBacklog(
                () -> produced[0], () -> accounted[0], 200, 32, java.time.Duration.ofSeconds(30), () -> 0L);
        produced[0] = 30;
        assertEquals(-1, u.getAsLong(), "no report yet");
        accounted[0] = 500; // an earlier process with this generator id had 500 accounted for
        assertEquals(30, u.getAsLong());
        produced[0] = 130;
        accounted[0] = 540; // 40 of ours accounted for since
        assertEquals(90, u.getAsLong());
        accounted[0] = 700; // more than we produced (an earlier process's rollouts left in flight)
        assertEquals(0, u.getAsLong());
    }

    @Test
    void aStallWithoutReportsLetsOneMicroBatchThroughPerInterval() {
        long[] produced = {0};
        long[] accounted = {0};
        long[] now = {0};
        long s = 1_000_000_000L;
        var u = new UntrainedBacklog(
                () -> produced[0], () -> accounted[0], 200, 32, java.time.Duration.ofSeconds(30), () -> now[0]);
        produced[0] = 250;
        assertEquals(250, u.getAsLong());
        now[0] = 29 * s;
        assertEquals(250, u.getAsLong(), "not yet stalled");
        now[0] = 30 * s;
        assertEquals(168, u.getAsLong(), "stalled: one micro-batch (32) below the bound of 200");
        produced[0] = 282; // the generator used the grant
        now[0] = 31 * s;
        assertEquals(200, u.getAsLong());
        now[0] = 61 * s;
        assertEquals(168, u.getAsLong(), "another stall, another grant");
        accounted[0] = 100; // a report: grants are dropped, U is exact again
        now[0] = 62 * s;
        assertEquals(182, u.getAsLong());
        now[0] = 1000 * s; // below the bound: idle time is never granted
        assertEquals(182, u.getAsLong());
    }

    @Test
    void streamingRunsUpToMaxStalenessPlusOneBudgets() {
        var gate = new AdmissionControl(LoopMode.STREAMING, 4, 2, 0);
        // (S + 1) * B = 12 rollouts per version event
        assertEquals(12, gate.admit(3, 0, 0).quota());
        assertEquals(0, gate.ahead(3));
        assertEquals(1, gate.ahead(4));
        assertEquals(2, gate.ahead(11));
        assertEquals(1, gate.admit(3, 11, 0).quota());
        var ahead = gate.admit(3, 12, 0);
        assertEquals(Code.AHEAD_OF_TRAINER, ahead.code());
        assertEquals(3, gate.ahead(12));
        assertEquals(
                "ahead of trainer: 12 rollouts with version 3 = 3 budgets of 4 > max-staleness 2; waiting for "
                        + "version 4",
                ahead.reason());
    }

    @Test
    void streamingWithZeroStalenessIsIterativePlusTheBacklogBound() {
        var streaming = new AdmissionControl(LoopMode.STREAMING, 5, 0, 100);
        var iterative = new AdmissionControl(LoopMode.ITERATIVE, 5, 0, 100);
        for (long p = 0; p <= 7; p++) {
            assertEquals(
                    iterative.admit(1, p, 0).quota(), streaming.admit(1, p, 0).quota(), "P = " + p);
        }
        assertEquals(Code.TRAINER_BACKLOG, streaming.admit(1, 0, 101).code());
        assertEquals(Code.OPEN, streaming.admit(1, 0, 100).code(), "the bound itself is allowed");
    }

    @Test
    void streamingWithoutBudgetIsBoundedOnlyByTheBacklog() {
        var gate = new AdmissionControl(LoopMode.STREAMING, 0, 0, 50);
        assertEquals(Long.MAX_VALUE, gate.admit(0, 1_000_000, 50).quota());
        var closed = gate.admit(0, 0, 51);
        assertEquals("trainer backlog 51 records > max-trainer-lag 50", closed.reason());
        assertEquals(
                Code.OPEN,
                new AdmissionControl(LoopMode.STREAMING, 0, 0, 0)
                        .admit(0, 0, Long.MAX_VALUE)
                        .code(),
                "0 = no backlog bound");
    }

    @Test
    void hugeBudgetsDoNotOverflow() {
        var gate = new AdmissionControl(LoopMode.STREAMING, Long.MAX_VALUE / 2, 5, 0);
        assertEquals(Long.MAX_VALUE - 10, gate.admit(0, 10, 0).quota());
    }

    @Test
    void iterativeWithoutBudgetIsRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> new AdmissionControl(LoopMode.ITERATIVE, 0, 0, 0));
        assertEquals("iterative mode needs a positive budget per version, found 0", e.getMessage());
    }
}
