package io.prefstream.labeler.human;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.prefstream.schemas.LabelCandidate;
import io.prefstream.schemas.LabelKind;
import io.prefstream.schemas.LabelRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class RequestQueueTest {

    private static final TopicPartition P0 = new TopicPartition("prefstream.label-requests", 0);
    private final AtomicLong clock = new AtomicLong(10_000);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private RequestQueue queue(int votes) {
        return new RequestQueue(votes, Duration.ofMillis(1_000), 100, clock::get, meters);
    }

    private static LabelRequest request(String id, long deadline) {
        return new LabelRequest(
                id,
                "rollout-" + id,
                "arithmetic",
                "1+1=",
                List.of(new LabelCandidate(0, "2"), new LabelCandidate(2, "3")),
                LabelKind.HUMAN,
                1L,
                0L,
                deadline);
    }

    /** The choice that prefers completion {@code index} given the order the lease shows. */
    private static Choice preferring(RequestQueue.Lease lease, int index) {
        return lease.shown().get(0).getIndex() == index ? Choice.A : Choice.B;
    }

    @Test
    void aLeaseIsKeptByItsHolderAndReissuedToAnotherLabelerWhenItExpires() {
        var q = queue(1);
        q.offer(request("r1", 100_000), P0);
        var alice = q.next("alice").orElseThrow();
        assertEquals("r1", alice.request().getRequestId());
        assertEquals(11_000, alice.expiresAtMs());
        assertEquals(
                List.of(0, 2),
                alice.shown().stream().map(LabelCandidate::getIndex).sorted().toList());
        clock.addAndGet(500);
        var again = q.next("alice").orElseThrow();
        assertEquals(11_000, again.expiresAtMs(), "asking again returns the same lease");
        assertEquals(alice.shown(), again.shown(), "in the same order");
        assertEquals(Optional.empty(), q.next("bob"), "the only slot is leased to alice");

        clock.addAndGet(500); // alice's lease ends at 11_000
        var bob = q.next("bob").orElseThrow();
        assertEquals("r1", bob.request().getRequestId());
        assertEquals(12_000, bob.expiresAtMs());
        assertEquals(1.0, meters.get(RequestQueue.LEASE_EXPIRIES).counter().count());
        assertEquals(Optional.empty(), q.next("alice"), "the slot went to bob");

        var reservation = q.reserve("r1", "bob");
        q.commit(reservation, Choice.A);
        assertEquals(0, q.depth());
        var conflict = assertThrows(LabelingConflict.class, () -> q.reserve("r1", "bob"));
        assertEquals(LabelingConflict.Kind.CONFLICT, conflict.kind());
        assertEquals("you already labeled request r1", conflict.getMessage());
        var full = assertThrows(LabelingConflict.class, () -> q.reserve("r1", "alice"));
        assertEquals("request r1 already has its 1 label(s)", full.getMessage());
        var unknown = assertThrows(LabelingConflict.class, () -> q.reserve("nope", "alice"));
        assertEquals(LabelingConflict.Kind.NOT_FOUND, unknown.kind());
    }

    @Test
    void aViewedRequestIsHeldBrieflyAndTheFirstInteractionHoldsItForTheFullLease() {
        var q = new RequestQueue(1, Duration.ofMillis(1_000), Duration.ofMillis(100), 100, clock::get, meters);
        q.offer(request("r1", 100_000), P0);
        q.offer(request("r2", 100_000), P0);
        assertEquals(10_100, q.next("alice").orElseThrow().expiresAtMs(), "a page load holds r1 for 100 ms");
        clock.addAndGet(150); // alice left the page open and walked away
        assertEquals("r1", q.next("bob").orElseThrow().request().getRequestId(), "bob gets r1 after 150 ms");
        assertEquals(11_150, q.extend("r1", "bob"), "bob clicked at 10 150: lease-ms from now");
        clock.addAndGet(500);
        assertEquals("r2", q.next("carol").orElseThrow().request().getRequestId(), "bob's extended lease holds r1");
        var taken = assertThrows(LabelingConflict.class, () -> q.extend("r1", "alice"));
        assertEquals("your lease on request r1 expired and others hold all its slots", taken.getMessage());
        var never = assertThrows(LabelingConflict.class, () -> q.extend("r2", "bob"));
        assertEquals(LabelingConflict.Kind.CONFLICT, never.kind());
        assertEquals(
                LabelingConflict.Kind.NOT_FOUND,
                assertThrows(LabelingConflict.class, () -> q.extend("nope", "bob"))
                        .kind());
    }

    @Test
    void theTeamsProgressCountsLabelsPerLabelerWithAgreementAndExportsThem() {
        var q = queue(2);
        for (String id : List.of("r1", "r2", "r3")) {
            q.offer(request(id, 100_000), P0);
        }
        for (String id : List.of("r1", "r2")) { // alice and bob agree on r1 and disagree on r2
            var a = q.next("alice").orElseThrow();
            var b = q.next("bob").orElseThrow();
            q.commit(q.reserve(id, "alice"), preferring(a, 0));
            q.commit(q.reserve(id, "bob"), preferring(b, id.equals("r1") ? 0 : 2));
        }
        var c = q.next("carol").orElseThrow();
        q.commit(q.reserve("r3", "carol"), preferring(c, 2));
        var team = q.team();
        assertEquals(Map.of("alice", 2L, "bob", 2L, "carol", 1L), team.labelsByLabeler());
        assertEquals(5, team.labels());
        assertEquals(2, team.comparedPairs());
        assertEquals(Optional.of(0.5), team.agreement());
        assertEquals(
                2.0,
                meters.get(RequestQueue.HUMAN_LABELS)
                        .tag("labeler", "alice")
                        .gauge()
                        .value());
        assertEquals(
                1.0,
                meters.get(RequestQueue.HUMAN_LABELS)
                        .tag("labeler", "carol")
                        .gauge()
                        .value());
    }

    @Test
    void severalVotesPerRequestFromDistinctLabelersAndTheirAgreement() {
        var q = queue(2);
        q.offer(request("r1", 100_000), P0);
        q.offer(request("r2", 100_000), P0);
        var a1 = q.next("alice").orElseThrow();
        var b1 = q.next("bob").orElseThrow();
        assertEquals("r1", b1.request().getRequestId(), "two votes: bob gets r1 too");
        assertEquals("r2", q.next("carol").orElseThrow().request().getRequestId(), "r1's two slots are leased");
        assertThrows(LabelingConflict.class, () -> q.reserve("r2", "alice"), "r2 was never shown to alice");

        q.commit(q.reserve("r1", "alice"), preferring(a1, 2));
        assertEquals(Optional.empty(), q.agreement(), "one label: nothing to compare");
        q.commit(q.reserve("r1", "bob"), preferring(b1, 2));
        assertEquals(Optional.of(1.0), q.agreement(), "both prefer completion 2, whatever order they saw");

        var a2 = q.next("alice").orElseThrow();
        assertEquals("r2", a2.request().getRequestId());
        q.commit(q.reserve("r2", "alice"), preferring(a2, 0));
        q.commit(q.reserve("r2", "carol"), Choice.TIE);
        assertEquals(Optional.of(0.5), q.agreement(), "1 agreeing pair of 2");
        assertEquals(0, q.depth());
        assertEquals(new RequestQueue.Stats(0, 0, 2), q.stats("alice"));
    }

    @Test
    void aFailedWriteFreesTheSlotAndAConcurrentSecondLabelIsRefused() {
        var q = queue(1);
        q.offer(request("r1", 100_000), P0);
        q.next("alice");
        var reservation = q.reserve("r1", "alice");
        assertThrows(LabelingConflict.class, () -> q.reserve("r1", "alice"), "a label is being written");
        q.release(reservation);
        q.commit(q.reserve("r1", "alice"), Choice.BOTH_BAD);
        assertEquals(0, q.depth());
    }

    @Test
    void aRequestIsDoneOnlyOnceItIsAnswered() {
        var q = queue(1);
        var r0 = q.offer(request("r0", 100_000), P0);
        var r1 = q.offer(request("r1", 100_000), P0);
        assertFalse(r0.isDone());
        assertFalse(r1.isDone());
        assertTrue(q.offer(request("r1", 100_000), P0).isDone(), "a redelivered request id is not queued twice");
        q.next("alice");
        q.commit(q.reserve("r0", "alice"), Choice.A);
        assertTrue(r0.isDone());
        assertFalse(r1.isDone());
        q.next("alice");
        q.commit(q.reserve("r1", "alice"), Choice.A);
        assertTrue(r1.isDone());
        var r2 = q.offer(request("r2", 100_000), P0);
        q.drop(List.of(P0));
        assertEquals(0, q.depth(), "a dropped partition's requests leave the queue");
        assertFalse(r2.isDone(), "and stay open: the partition's new owner answers them");
    }

    @Test
    void requestsPastTheirDeadlineAreDropped() {
        var q = queue(1);
        assertTrue(q.offer(request("late", 9_000), P0).isDone(), "already past its deadline");
        var soon = q.offer(request("soon", 12_000), P0);
        assertFalse(soon.isDone());
        assertEquals(1, q.depth());
        clock.set(12_000);
        assertEquals(Optional.empty(), q.next("alice"));
        assertEquals(0, q.depth());
        assertEquals(2.0, meters.get(RequestQueue.EXPIRED_REQUESTS).counter().count());
        assertTrue(soon.isDone(), "a request dropped at its deadline is done");
    }
}
