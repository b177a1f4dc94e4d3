package io.prefstream.schemas.registry;

import java.util.List;
import org.apache.avro.Schema;

/**
 * The subset of the Confluent Schema Registry API that Prefstream needs. Subjects follow the
 * TopicNameStrategy ({@code <topic>-value}, {@code <topic>-key}); ids are global and stable:
 * registering a schema that a subject already holds returns its existing id.
 *
 * <p>Failures are {@link SchemaRegistryException} subclasses: {@link SubjectNotFoundException}
 * (40401), {@link VersionNotFoundException} (40402), {@link SchemaNotFoundException} (40403),
 * {@link IncompatibleSchemaException} (409), {@link InvalidSchemaException} (42201) and
 * {@link SchemaRegistryUnavailableException} when the registry cannot be reached.
 */
public interface SchemaRegistryClient extends AutoCloseable {

    /** Registers {@code schema} under {@code subject} (if not already there) and returns its global id. */
    int register(String subject, Schema schema);

    /** Finds the version of {@code subject} holding exactly {@code schema}, without registering. */
    SchemaVersion lookup(String subject, Schema schema);

    /** The schema with global id {@code id}. */
    Schema schemaById(int id);

    /** The latest version registered under {@code subject}. */
    SchemaVersion latest(String subject);

    /** Version {@code version} (1-based) of {@code subject}. */
    SchemaVersion version(String subject, int version);

    /** The version numbers registered under {@code subject}, ascending. */
    List<Integer> versions(String subject);

    /** All subjects with at least one version, sorted. */
    List<String> subjects();

    /** Whether {@code schema} could be registered under {@code subject} given its compatibility level. */
    boolean isCompatible(String subject, Schema schema);

    /** The effective compatibility of {@code subject} (its own, else the global one); {@code null} = global. */
    CompatibilityLevel compatibility(String subjectOrNull);

    /** Sets the compatibility of {@code subject}, or the global default when {@code subjectOrNull} is null. */
    void setCompatibility(String subjectOrNull, CompatibilityLevel level);

    /** Releases connections; never throws a checked exception. */
    @Override
    void close();
}
