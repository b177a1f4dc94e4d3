package io.prefstream.labeler.human;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.prefstream.schemas.LabelCandidate;
import io.prefstream.schemas.LabelRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicPartition;

/**
 * The label requests this instance holds for human labelers, with leases and votes.
 *
 * <p>Rules: a request is offered until it has {@code votes} labels from distinct labelers. A labeler
 * asking for work gets back its own unexpired lease if it has one, else the oldest request it has
 * not labeled that still has a free slot ({@code labels + labels being written + live leases <
 * votes}), leased for the short {@code viewLease}; the labeler's first interaction
 * ({@link #extend}) lengthens it to {@code lease}, so a page left open holds work only briefly. An
 * expired lease frees its slot for the next labeler (counted in {@value #LEASE_EXPIRIES}); a labeler
 * whose lease expired may still answer while a slot is free. Each labeler sees the two candidates in its own random order (A = left),
 * remembered so that its answer maps back to completion indices. A request whose
 * {@code deadline_ms} passed is dropped (the join no longer waits for it).
 *
 * <p>Offsets: the queue tells the feed, per partition, the lowest offset it may commit: the offset
 * of the oldest request still open, or one past the last record seen when none is. A restart
 * re-reads open requests instead of losing them. All methods are thread-safe.
 */
public final class RequestQueue {

    public static final String DEPTH = "prefstream.labeler.queue.depth";
    public static final String LEASE_EXPIRIES = "prefstream.labeler.lease.expiries";
    public static final String AGREEMENT = "prefstream.labeler.agreement";
    public static final String EXPIRED_REQUESTS = "prefstream.labeler.requests.expired";
    public static final String HUMAN_LABELS = "prefstream.labeler.human.labels";
    private static final int COMPLETED_MEMORY = 100_000;

    private final int votes;
    private final long leaseMs;
    private final long viewLeaseMs;
    private final MeterRegistry meters;
    private final Map<String, Long> labelsByLabeler = new TreeMap<>();
    private final int maxPending;
    private final LongSupplier clockMs;
    private final SplittableRandom random = new SplittableRandom();
    private final LinkedHashMap<String, Entry> pending = new LinkedHashMap<>();
    private final Map<String, Set<String>> completed = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Set<String>> eldest) {
            return size() > COMPLETED_MEMORY;
        }
    };
    private final Counter leaseExpiries;
    private final Counter expiredRequests;
    private long agreeingPairs;
    private long comparedPairs;

    /** A queue whose requests are leased for {@code lease} from the start (no shorter view lease). */
    public RequestQueue(int votes, Duration lease, int maxPending, LongSupplier clockMs, MeterRegistry meters) {
        this(votes, lease, lease, maxPending, clockMs, meters);
    }

    public RequestQueue(
            int votes, Duration lease, Duration viewLease, int maxPending, LongSupplier clockMs, MeterRegistry meters) {
        if (votes < 1
                || maxPending < 1
                || lease.isNegative()
                || lease.isZero()
                || viewLease.isNegative()
                || viewLease.isZero()
                || viewLease.compareTo(lease) > 0) {
            throw new IllegalArgumentException("expected votes >= 1, maxPending >= 1 and 0 < viewLease <= lease, "
                    + "found " + votes + ", " + maxPending + ", " + viewLease + ", " + lease);
        }
        this.votes = votes;
        this.leaseMs = lease.toMillis();
        this.viewLeaseMs = viewLease.toMillis();
        this.meters = meters;
        this.maxPending = maxPending;
        this.clockMs = clockMs;
        this.leaseExpiries = Counter.builder(LEASE_EXPIRIES)
                .description("Leases that ran out before a label came")
                .register(meters);
        this.expiredRequests = Counter.builder(EXPIRED_REQUESTS)
                .description("Requests dropped unanswered at their deadline")
                .register(meters);
        Gauge.builder(DEPTH, this, RequestQueue::depth)
                .description("Label requests waiting for human labels")
                .register(meters);
        Gauge.builder(AGREEMENT, this, q -> q.agreement().orElse(Double.NaN))
                .description("Inter-annotator agreement: share of agreeing pairs of human labels on one request")
                .register(meters);
    }

    /** A request leased to a labeler: candidates in display order (A first) and when the lease ends. */
    public record Lease(LabelRequest request, List<LabelCandidate> shown, long expiresAtMs) {}

    /** A slot held while a label is written to Kafka; finish with {@link #commit} or {@link #release}. */
    public record Reservation(LabelRequest request, String labelerId, int[] displayOrder, long shownAtMs) {}

    /** What one labeler sees of the queue. */
    public record Stats(int pending, int availableToLabeler, long labeledByLabeler) {}

    /**
     * The labeling team's progress since this instance started: labels per labeler, and agreement
     * over pairs of labels on one request (empty before any request has two).
     */
    public record Team(
            Map<String, Long> labelsByLabeler, long labels, long comparedPairs, Optional<Double> agreement) {}

    // ---- feed side ----------------------------------------------------------------------------

    /**
     * Adds {@code request}, read from {@code partition}. A request id already pending or recently
     * completed, or one past its deadline, is not added.
     *
     * @return completes when the request is closed (answered, or dropped at its deadline); already
     *     completed when the request was not added
     */
    public synchronized CompletableFuture<Void> offer(LabelRequest request, TopicPartition partition) {
        String id = request.getRequestId();
        if (pending.containsKey(id) || completed.containsKey(id)) {
            return CompletableFuture.completedFuture(null);
        }
        if (request.getDeadlineMs() <= clockMs.getAsLong()) {
            expiredRequests.increment();
            return CompletableFuture.completedFuture(null);
        }
        var entry = new Entry(request, partition);
        pending.put(id, entry);
        return entry.closed;
    }

    /** Forgets the requests of partitions this instance no longer owns (their new owner reads them again). */
    public synchronized void drop(Iterable<TopicPartition> partitions) {
        for (TopicPartition p : partitions) {
            pending.values().removeIf(e -> e.partition.equals(p));
        }
    }

    public synchronized int depth() {
        return pending.size();
    }

    /** Whether the feed should stop reading until requests are answered. */
    public synchronized boolean full() {
        return pending.size() >= maxPending;
    }

    /** Ends expired leases and drops requests past their deadline. */
    public synchronized void sweep() {
        long now = clockMs.getAsLong();
        for (Iterator<Entry> it = pending.values().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            e.leases.values().removeIf(l -> {
                if (l.expiresAtMs <= now) {
                    leaseExpiries.increment();
                    return true;
                }
                return false;
            });
            if (e.request.getDeadlineMs() <= now && e.inFlight.isEmpty()) {
                it.remove();
                close(e);
                expiredRequests.increment();
            }
        }
    }

    // ---- API side -----------------------------------------------------------------------------

    /** The work for {@code labelerId}: its live lease, else a newly leased request, else empty. */
    public synchronized Optional<Lease> next(String labelerId) {
        sweep();
        long now = clockMs.getAsLong();
        for (Entry e : pending.values()) {
            var own = e.leases.get(labelerId);
            if (own != null) {
                return Optional.of(e.lease(labelerId, own.expiresAtMs));
            }
        }
        for (Entry e : pending.values()) {
            if (e.canTake(labelerId)) {
                int[] order = e.shown.computeIfAbsent(labelerId, x -> randomOrder(e.request));
                e.leases.put(labelerId, new LeaseSlot(now + viewLeaseMs, now));
                e.shownAt.put(labelerId, now);
                return Optional.of(e.lease(labelerId, now + viewLeaseMs));
            }
        }
        return Optional.empty();
    }

    /**
     * The labeler is working on {@code requestId}: its lease now runs for the full {@code lease}
     * from now. A labeler whose view lease expired gets the request back while a slot is free.
     *
     * @return the lease's new end
     * @throws LabelingConflict NOT_FOUND for a request not pending here; CONFLICT when it was never
     *                          shown to the labeler, they labeled it, or every slot is taken
     */
    public synchronized long extend(String requestId, String labelerId) {
        sweep();
        Entry e = pending.get(requestId);
        if (e == null) {
            throw new LabelingConflict(
                    LabelingConflict.Kind.NOT_FOUND,
                    "unknown request_id '" + requestId
                            + "': not pending here (already fully labeled, expired, or never issued)");
        }
        if (!e.shown.containsKey(labelerId)) {
            throw new LabelingConflict(
                    LabelingConflict.Kind.CONFLICT,
                    "request " + requestId + " was never shown to you; take it with GET /api/v1/requests/next");
        }
        if (!e.leases.containsKey(labelerId) && !e.canTake(labelerId)) {
            throw new LabelingConflict(
                    LabelingConflict.Kind.CONFLICT,
                    e.voted.contains(labelerId) || e.inFlight.contains(labelerId)
                            ? "you already labeled request " + requestId
                            : "your lease on request " + requestId + " expired and others hold all its slots");
        }
        long now = clockMs.getAsLong();
        e.leases.put(labelerId, new LeaseSlot(now + leaseMs, now));
        return now + leaseMs;
    }

    /**
     * Holds a vote slot of {@code requestId} for {@code labelerId} while its label is written.
     *
     * @throws LabelingConflict NOT_FOUND for an unknown request; CONFLICT when the labeler already
     *                          labeled it, all votes are in, or it was never shown to the labeler
     */
    public synchronized Reservation reserve(String requestId, String labelerId) {
        Entry e = pending.get(requestId);
        if (e == null) {
            Set<String> done = completed.get(requestId);
            if (done == null) {
                throw new LabelingConflict(
                        LabelingConflict.Kind.NOT_FOUND,
                        "unknown request_id '" + requestId
                                + "': not pending here (never issued, expired, or owned by another labeler instance)");
            }
            throw new LabelingConflict(
                    LabelingConflict.Kind.CONFLICT,
                    done.contains(labelerId)
                            ? "you already labeled request " + requestId
                            : "request " + requestId + " already has its " + votes + " label(s)");
        }
        if (e.voted.contains(labelerId) || e.inFlight.contains(labelerId)) {
            throw new LabelingConflict(LabelingConflict.Kind.CONFLICT, "you already labeled request " + requestId);
        }
        int[] order = e.shown.get(labelerId);
        if (order == null) {
            throw new LabelingConflict(
                    LabelingConflict.Kind.CONFLICT,
                    "request " + requestId
                            + " was never shown to you, so A and B are undefined; take it with GET /api/v1/requests/next");
        }
        if (e.voted.size() + e.inFlight.size() >= votes) {
            throw new LabelingConflict(
                    LabelingConflict.Kind.CONFLICT, "request " + requestId + " already has its " + votes + " label(s)");
        }
        e.leases.remove(labelerId); // the slot is now held by the write in flight
        e.inFlight.add(labelerId);
        return new Reservation(e.request, labelerId, order.clone(), e.shownAt.getOrDefault(labelerId, 0L));
    }

    /** The label of {@code reservation} is on Kafka: count the vote, complete the request when all are in. */
    public synchronized void commit(Reservation reservation, Choice choice) {
        Entry e = pending.get(reservation.request().getRequestId());
        if (e == null || !e.inFlight.remove(reservation.labelerId())) {
            throw new IllegalStateException("no reservation of " + reservation.labelerId() + " on request "
                    + reservation.request().getRequestId());
        }
        e.leases.remove(reservation.labelerId());
        String outcome = choice.outcome(reservation.displayOrder());
        for (String other : e.outcomes.values()) {
            comparedPairs++;
            if (other.equals(outcome)) {
                agreeingPairs++;
            }
        }
        e.outcomes.put(reservation.labelerId(), outcome);
        e.voted.add(reservation.labelerId());
        if (labelsByLabeler.merge(reservation.labelerId(), 1L, Long::sum) == 1L) {
            String id = reservation.labelerId();
            Gauge.builder(HUMAN_LABELS, this, q -> q.labelsOf(id))
                    .tag("labeler", id)
                    .description("Labels given by this labeler since the labeler service started")
                    .register(meters);
        }
        if (e.voted.size() >= votes) {
            pending.remove(e.request.getRequestId());
            close(e);
        }
    }

    /** Writing the label failed: free the slot. */
    public synchronized void release(Reservation reservation) {
        Entry e = pending.get(reservation.request().getRequestId());
        if (e != null) {
            e.inFlight.remove(reservation.labelerId());
        }
    }

    public synchronized Stats stats(String labelerId) {
        int available = 0;
        for (Entry e : pending.values()) {
            if (e.leases.containsKey(labelerId) || e.canTake(labelerId)) {
                available++;
            }
        }
        long labeled =
                completed.values().stream().filter(s -> s.contains(labelerId)).count()
                        + pending.values().stream()
                                .filter(e -> e.voted.contains(labelerId))
                                .count();
        return new Stats(pending.size(), available, labeled);
    }

    /** The team's progress: labels per labeler and their agreement. */
    public synchronized Team team() {
        long labels =
                labelsByLabeler.values().stream().mapToLong(Long::longValue).sum();
        return new Team(
                Collections.unmodifiableMap(new TreeMap<>(labelsByLabeler)), labels, comparedPairs, agreement());
    }

    private synchronized double labelsOf(String labelerId) {
        return labelsByLabeler.getOrDefault(labelerId, 0L);
    }

    /**
     * Pairwise percent agreement over requests with several human labels:
     * {@code Σ agreeing pairs / Σ pairs}, where a pair is two labels of one request and they agree
     * when they name the same outcome in completion indices; empty until a request has two labels.
     */
    public synchronized Optional<Double> agreement() {
        return comparedPairs == 0 ? Optional.empty() : Optional.of(agreeingPairs / (double) comparedPairs);
    }

    private void close(Entry e) {
        completed.put(e.request.getRequestId(), Set.copyOf(e.voted));
        e.closed.complete(null);
    }

    private int[] randomOrder(LabelRequest request) {
        var c = request.getCandidates();
        int a = c.get(0).getIndex();
        int b = c.get(1).getIndex();
        return random.nextBoolean() ? new int[] {a, b} : new int[] {b, a};
    }

    private record LeaseSlot(long expiresAtMs, long issuedAtMs) {}

    private final class Entry {
        final LabelRequest request;
        final TopicPartition partition;
        final CompletableFuture<Void> closed = new CompletableFuture<>();
        final Map<String, LeaseSlot> leases = new HashMap<>();
        final Map<String, int[]> shown = new HashMap<>();
        final Map<String, Long> shownAt = new HashMap<>();
        final Set<String> inFlight = new HashSet<>();
        final Set<String> voted = new HashSet<>();
        final Map<String, String> outcomes = new LinkedHashMap<>();

        Entry(LabelRequest request, TopicPartition partition) {
            this.request = request;
            this.partition = partition;
        }

        boolean canTake(String labelerId) {
            if (voted.contains(labelerId) || inFlight.contains(labelerId) || leases.containsKey(labelerId)) {
                return false;
            }
            return voted.size() + inFlight.size() + leases.size() < votes;
        }

        Lease lease(String labelerId, long expiresAtMs) {
            int[] order = shown.get(labelerId);
            var byIndex = new HashMap<Integer, LabelCandidate>();
            request.getCandidates().forEach(c -> byIndex.put(c.getIndex(), c));
            var out = new ArrayList<LabelCandidate>(2);
            for (int i : order) {
                out.add(byIndex.get(i));
            }
            return new Lease(request, out, expiresAtMs);
        }
    }
}
