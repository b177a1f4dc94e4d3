package io.prefstream.generator;

import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * U of {@link AdmissionControl}: this generator's rollouts that the trainer has not accounted for
 * yet, {@code U = produced − (A − A₀) − G}, where produced counts this process's rollouts, A is this
 * generator's cumulative {@code online_accounted} count on the newest policy update read, A₀ the
 * count on the first one read (what earlier processes with the same {@code generator.id} produced
 * and the trainer accounted for), and G the stall grants below. Unknown (−1) until a policy update
 * carries accounting.
 *
 * <p>Stall valve. Reports come with policy updates, so some accounting is not reported while the
 * trainer waits for data: records routed stale by the very update that reported, rollouts the
 * labeling lost (a labeler's dead letters, repeats the label join drops). When the bound holds
 * prompts ({@code U ≥ limit}) and neither A nor produced has moved for {@code stall}, one
 * micro-batch ({@code grant}) is let through, and again after each further {@code stall}; any new
 * report resets G to 0. The run therefore never stalls on accounting it cannot see; the price is
 * at most one micro-batch per stall interval while the trainer is down.
 *
 * <p>Errors, both bounded: rollouts an earlier process with this id left in flight are accounted
 * after A₀ was taken and lower U (at most what it left in flight); rollouts the system drops
 * without the batcher seeing them are never accounted and raise U by their number (the valve keeps
 * the run going).
 */
final class UntrainedBacklog implements LongSupplier {

    private static final Logger log = LoggerFactory.getLogger(UntrainedBacklog.class);

    private final LongSupplier produced;
    private final LongSupplier accounted;
    private final long limit;
    private final long grant;
    private final long stallNanos;
    private final LongSupplier nanoClock;
    private long base = -1;
    private long granted;
    private long lastAccounted = -1;
    private long lastProduced = -1;
    private long lastMove;

    /**
     * @param produced  rollouts this process produced, cumulative
     * @param accounted A, −1 while unknown
     * @param limit     the bound on U ((S + 1)·B)
     * @param grant     rollouts let through per stall (the micro-batch size)
     * @param stall     how long nothing may move while U ≥ limit before a grant
     * @param nanoClock {@link System#nanoTime} outside tests
     */
    UntrainedBacklog(
            LongSupplier produced,
            LongSupplier accounted,
            long limit,
            long grant,
            java.time.Duration stall,
            LongSupplier nanoClock) {
        this.produced = produced;
        this.accounted = accounted;
        this.limit = limit;
        this.grant = grant;
        this.stallNanos = stall.toNanos();
        this.nanoClock = nanoClock;
    }

    static UntrainedBacklog of(GeneratorConfig config, LongSupplier produced, LongSupplier accounted) {
        return new UntrainedBacklog(
                produced,
                accounted,
                AdmissionControl.of(config).limit(),
                config.batchSize(),
                config.untrainedStall(),
                System::nanoTime);
    }

    /** U, or −1 while no policy update has carried accounting. */
    @Override
    public synchronized long getAsLong() {
        long a = accounted.getAsLong();
        if (a < 0) {
            return -1;
        }
        if (base < 0) {
            base = a;
        }
        long p = produced.getAsLong();
        long now = nanoClock.getAsLong();
        if (a != lastAccounted) {
            granted = 0;
        }
        if (a != lastAccounted || p != lastProduced) {
            lastAccounted = a;
            lastProduced = p;
            lastMove = now;
        }
        long u = Math.max(0, p - (a - base) - granted);
        if (u >= limit && now - lastMove >= stallNanos) {
            granted += u - limit + grant;
            lastMove = now;
            log.warn(
                    "No report from the trainer for {} s while {} rollouts count as untrained (bound {}); letting {} "
                            + "through (work the trainer cannot report, e.g. routed stale after its last update)",
                    stallNanos / 1_000_000_000L,
                    u,
                    limit,
                    grant);
            u = limit - grant;
        }
        return Math.max(0, u);
    }
}
