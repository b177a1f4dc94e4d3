package io.prefstream.generator;

import java.util.function.LongSupplier;

/**
 * U of {@link AdmissionControl}: this generator's rollouts that the trainer has not accounted for
 * yet, {@code U = produced − (A − A₀)}, where produced counts this process's rollouts, A is this
 * generator's cumulative {@code online_accounted} count on the newest policy update read, and A₀
 * the count on the first one read (what earlier processes with the same {@code generator.id}
 * produced and the trainer accounted for). Unknown (−1) until a policy update carries accounting.
 *
 * <p>Errors, both bounded: rollouts an earlier process with this id left in flight are accounted
 * after A₀ was taken and lower U (at most what it left in flight); rollouts the system drops
 * without the batcher seeing them (a labeler's dead letters, repeats the label join drops) are
 * never accounted and raise U by their number for the life of this process.
 */
final class UntrainedBacklog implements LongSupplier {

    private final LongSupplier produced;
    private final LongSupplier accounted;
    private long base = -1;

    /**
     * @param produced  rollouts this process produced, cumulative
     * @param accounted A, −1 while unknown
     */
    UntrainedBacklog(LongSupplier produced, LongSupplier accounted) {
        this.produced = produced;
        this.accounted = accounted;
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
        return Math.max(0, produced.getAsLong() - (a - base));
    }
}
