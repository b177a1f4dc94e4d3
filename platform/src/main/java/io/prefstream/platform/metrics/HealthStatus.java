package io.prefstream.platform.metrics;

import java.util.Objects;

/**
 * The outcome of one {@link HealthCheck}.
 *
 * @param healthy whether the component works
 * @param detail  one line for operators
 */
public record HealthStatus(boolean healthy, String detail) {

    public HealthStatus {
        Objects.requireNonNull(detail, "detail");
    }

    public static HealthStatus up(String detail) {
        return new HealthStatus(true, detail);
    }

    public static HealthStatus down(String detail) {
        return new HealthStatus(false, detail);
    }
}
