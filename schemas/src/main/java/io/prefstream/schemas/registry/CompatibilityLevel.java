package io.prefstream.schemas.registry;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;

/**
 * Schema Registry compatibility levels, with the rule each one enforces on a candidate schema
 * against the versions already registered under a subject:
 * BACKWARD = the candidate can read data written with the latest version;
 * FORWARD = the latest version can read data written with the candidate;
 * FULL = both; the {@code _TRANSITIVE} variants check every earlier version instead of the latest;
 * NONE accepts anything.
 */
public enum CompatibilityLevel {
    NONE,
    BACKWARD,
    BACKWARD_TRANSITIVE,
    FORWARD,
    FORWARD_TRANSITIVE,
    FULL,
    FULL_TRANSITIVE;

    /**
     * Whether {@code candidate} may be registered after {@code existing} (oldest first).
     * An empty subject accepts any schema.
     */
    public boolean accepts(Schema candidate, List<Schema> existing) {
        return violations(candidate, existing).isEmpty();
    }

    /**
     * Why {@code candidate} may not follow {@code existing} (oldest first) under this level, one
     * line per problem naming the version, the direction and Avro's reason; empty when accepted.
     */
    public List<String> violations(Schema candidate, List<Schema> existing) {
        if (this == NONE || existing.isEmpty()) {
            return List.of();
        }
        var problems = new ArrayList<String>();
        int first = transitive() ? 0 : existing.size() - 1;
        for (int i = first; i < existing.size(); i++) {
            var old = existing.get(i);
            if (checksBackward()) {
                problems.addAll(describe(candidate, old, "new schema cannot read data written by version " + (i + 1)));
            }
            if (checksForward()) {
                problems.addAll(
                        describe(old, candidate, "version " + (i + 1) + " cannot read data written by the new schema"));
            }
        }
        return List.copyOf(problems);
    }

    /** Parses a level name as the REST API spells it, e.g. {@code "BACKWARD"}. */
    public static CompatibilityLevel parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException(
                    "compatibility level: expected one of " + java.util.Arrays.toString(values()) + ", found '" + name
                            + "'",
                    e);
        }
    }

    private boolean transitive() {
        return name().endsWith("_TRANSITIVE");
    }

    private boolean checksBackward() {
        return this == BACKWARD || this == BACKWARD_TRANSITIVE || this == FULL || this == FULL_TRANSITIVE;
    }

    private boolean checksForward() {
        return this == FORWARD || this == FORWARD_TRANSITIVE || this == FULL || this == FULL_TRANSITIVE;
    }

    private static List<String> describe(Schema reader, Schema writer, String direction) {
        var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        if (result.getType() == SchemaCompatibilityType.COMPATIBLE) {
            return List.of();
        }
        var lines = new ArrayList<String>();
        for (var incompatibility : result.getResult().getIncompatibilities()) {
            lines.add(direction + ": " + incompatibility.getType() + " at " + incompatibility.getLocation() + ": "
                    + incompatibility.getMessage());
        }
        if (lines.isEmpty()) {
            lines.add(direction + ": " + result.getDescription());
        }
        return lines;
    }
}
