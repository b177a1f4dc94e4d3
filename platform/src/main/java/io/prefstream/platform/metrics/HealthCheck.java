package io.prefstream.platform.metrics;

/** One component's health, asked on every {@code /health} request; a check that throws counts as down. */
@FunctionalInterface
public interface HealthCheck {

    HealthStatus check() throws Exception;
}
