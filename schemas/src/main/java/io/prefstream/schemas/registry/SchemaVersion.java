package io.prefstream.schemas.registry;

import java.util.Objects;
import org.apache.avro.Schema;

/**
 * One registered version of a subject: version numbers count from 1 within the subject, the id
 * is global across subjects (the id written into the Confluent wire format).
 */
public record SchemaVersion(String subject, int version, int id, Schema schema) {
    public SchemaVersion {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(schema, "schema");
        if (version < 1) {
            throw new IllegalArgumentException("version: expected >= 1, found " + version);
        }
        if (id < 0) {
            throw new IllegalArgumentException("id: expected >= 0, found " + id);
        }
    }
}
