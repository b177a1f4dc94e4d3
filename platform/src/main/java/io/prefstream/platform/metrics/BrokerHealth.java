package io.prefstream.platform.metrics;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/**
 * Whether the Kafka cluster answers: {@code describeCluster} with a short timeout, asked at most
 * every {@value #EVERY_MS} ms (the answer is cached in between). An unreachable broker makes a
 * service DEGRADED, not DOWN: its clients retry and it recovers by itself when the broker is back.
 */
public final class BrokerHealth implements HealthCheck {

    static final long EVERY_MS = 5_000;
    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    private final Admin admin;
    private final String bootstrap;
    private final LongSupplier clockMs;
    private long checkedAtMs = Long.MIN_VALUE;
    private HealthStatus last;

    public BrokerHealth(Admin admin, String bootstrap) {
        this(admin, bootstrap, System::currentTimeMillis);
    }

    BrokerHealth(Admin admin, String bootstrap, LongSupplier clockMs) {
        this.admin = admin;
        this.bootstrap = bootstrap;
        this.clockMs = clockMs;
    }

    @Override
    public synchronized HealthStatus check() {
        long now = clockMs.getAsLong();
        if (last != null && now - checkedAtMs < EVERY_MS) {
            return last;
        }
        try {
            int nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) TIMEOUT.toMillis()))
                    .nodes()
                    .get(TIMEOUT.toMillis() + 500, TimeUnit.MILLISECONDS)
                    .size();
            last = HealthStatus.up(nodes + " broker(s) at " + bootstrap);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            last = HealthStatus.degraded("broker check interrupted");
        } catch (Exception e) {
            last = HealthStatus.degraded("broker unreachable at " + bootstrap + " ("
                    + e.getClass().getSimpleName() + "); clients keep retrying");
        }
        checkedAtMs = now;
        return last;
    }
}
