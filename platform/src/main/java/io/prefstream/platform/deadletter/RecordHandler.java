package io.prefstream.platform.deadletter;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Processes one raw record for a {@link ResilientConsumerLoop}. Throwing dead-letters the record.
 * The returned future completes when the record's output is durable (e.g. the producer's send
 * future, or {@link #allOf} of several); the loop commits the record's offset only after that.
 * A handler with no output returns {@link #DONE}.
 */
@FunctionalInterface
public interface RecordHandler {

    /** An already-completed future, for handlers that produce nothing. */
    Future<?> DONE = CompletableFuture.completedFuture(null);

    Future<?> handle(ConsumerRecord<byte[], byte[]> record) throws Exception;

    /** A future that completes when all of {@code futures} have; it fails with the first failure. */
    static Future<?> allOf(List<? extends Future<?>> futures) {
        var all = List.copyOf(futures);
        return new Future<Object>() {
            @Override
            public boolean cancel(boolean mayInterrupt) {
                return false;
            }

            @Override
            public boolean isCancelled() {
                return false;
            }

            @Override
            public boolean isDone() {
                return all.stream().allMatch(Future::isDone);
            }

            @Override
            public Object get() throws InterruptedException, ExecutionException {
                for (Future<?> f : all) {
                    f.get();
                }
                return null;
            }

            @Override
            public Object get(long timeout, TimeUnit unit)
                    throws InterruptedException, ExecutionException, TimeoutException {
                long deadline = System.nanoTime() + unit.toNanos(timeout);
                for (Future<?> f : all) {
                    f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                }
                return null;
            }
        };
    }
}
