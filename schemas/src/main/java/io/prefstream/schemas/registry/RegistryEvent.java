package io.prefstream.schemas.registry;

import java.util.Objects;

/** A state change of an {@link InMemorySchemaRegistry}; the unit of its persistent journal. */
sealed interface RegistryEvent {

    /** {@code schema} became version {@code version} of {@code subject} with global id {@code id}. */
    record Registered(String subject, int version, int id, String schema) implements RegistryEvent {
        public Registered {
            Objects.requireNonNull(subject, "subject");
            Objects.requireNonNull(schema, "schema");
        }
    }

    /** The compatibility level of {@code subject} (global when null) was set. */
    record CompatibilitySet(String subject, CompatibilityLevel level) implements RegistryEvent {
        public CompatibilitySet {
            Objects.requireNonNull(level, "level");
        }
    }
}
