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
