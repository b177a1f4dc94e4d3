package io.prefstream.labeler.machine;

import io.prefstream.schemas.Rollout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects rollouts submitted from the consumer thread into batches of at most {@code batchSize},
 * waiting at most {@code linger} after the first one for more, and scores each batch on its own
 * thread (model work never runs on the consumer or an event loop). Every outcome is checked: a
 * labeler that returns the wrong number of scores, or a NaN or infinite score, fails that rollout
 * with {@link LabelingException#INVALID_SCORES} rather than letting it through.
 */
public final class BatchScorer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BatchScorer.class);

    private final MachineLabeler labeler;
    private final int batchSize;
    private final long lingerNanos;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean running = true;

    public BatchScorer(MachineLabeler labeler, int batchSize, Duration linger) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size: expected at least 1, found " + batchSize);
        }
        this.labeler = labeler;
        this.batchSize = batchSize;
        this.lingerNanos = linger.toNanos();
        this.thread =
                new Thread(this::run, "prefstream-labeler-" + labeler.kind().id() + "-scorer");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Completes with one score per completion, or fails with a {@link LabelingException}. */
    public CompletableFuture<double[]> submit(Rollout rollout) {
        var future = new CompletableFuture<double[]>();
        if (!running) {
            future.completeExceptionally(
                    new IllegalStateException("scorer of " + labeler.kind().id() + " is closed"));
            return future;
        }
        queue.add(new Pending(rollout, future));
        return future;
    }

    private void run() {
        var batch = new ArrayList<Pending>(batchSize);
        while (running) {
            try {
                Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                long deadline = System.nanoTime() + lingerNanos;
                while (batch.size() < batchSize) {
                    long left = deadline - System.nanoTime();
                    Pending next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
                    if (next == null) {
                        break;
                    }
                    batch.add(next);
                }
                score(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } finally {
                batch.clear();
            }
        }
        Pending left;
        while ((left = queue.poll()) != null) {
            left.future()
                    .completeExceptionally(new IllegalStateException("scorer closed before scoring rollout "
                            + left.rollout().getId()));
        }
    }

    private void score(List<Pending> batch) {
        var rollouts = batch.stream().map(Pending::rollout).toList();
        List<MachineLabeler.Outcome> outcomes;
        try {
            outcomes = labeler.score(rollouts);
            if (outcomes.size() != batch.size()) {
                throw new IllegalStateException(labeler.kind().id() + " returned " + outcomes.size()
                        + " outcomes for a batch of " + batch.size());
            }
        } catch (RuntimeException e) {
            log.warn("{} labeler failed on a batch of {}: {}", labeler.kind().id(), batch.size(), e.toString());
            var failure = new LabelingException(
                    LabelingException.SCORING_FAILED,
                    labeler.kind().id() + " labeler failed on a batch of " + batch.size() + ": " + e.getMessage(),
                    e);
            batch.forEach(p -> p.future().completeExceptionally(failure));
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            var p = batch.get(i);
            var outcome = outcomes.get(i);
            if (outcome.failure() != null) {
                p.future().completeExceptionally(outcome.failure());
            } else {
                var problem = check(p.rollout(), outcome.scores());
                if (problem == null) {
                    p.future().complete(outcome.scores());
                } else {
                    p.future().completeExceptionally(new LabelingException(LabelingException.INVALID_SCORES, problem));
                }
            }
        }
    }

    private String check(Rollout rollout, double[] scores) {
        int k = rollout.getCompletions().size();
        if (scores == null || scores.length != k) {
            return labeler.kind().id() + " gave " + (scores == null ? "no" : scores.length) + " scores for rollout "
                    + rollout.getId() + ", expected one per completion (" + k + ")";
        }
        for (int i = 0; i < k; i++) {
            if (!Double.isFinite(scores[i])) {
                return labeler.kind().id() + " gave score " + scores[i] + " to completion " + i + " of rollout "
                        + rollout.getId() + "; expected a finite number";
            }
        }
        return null;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private record Pending(Rollout rollout, CompletableFuture<double[]> future) {}
}
