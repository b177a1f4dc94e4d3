package io.prefstream.schemas.registry;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Schema Registry held in memory, with the Confluent semantics: ids are global and assigned
 * once per distinct schema text (the same schema under another subject gets the same id), a
 * subject's versions count from 1, re-registering a schema the subject already holds returns its
 * id without a new version, and a new version must satisfy the subject's
 * {@link CompatibilityLevel} (global default {@link CompatibilityLevel#BACKWARD}).
 *
 * <p>{@link #persistent(Path)} adds a journal: every change is fsync'd to disk before it is
 * applied, and reopening the directory restores the same subjects, versions and ids.
 */
public final class InMemorySchemaRegistry implements SchemaRegistryClient {
    private static final Logger log = LoggerFactory.getLogger(InMemorySchemaRegistry.class);

    private final Map<Integer, Schema> schemasById = new HashMap<>();
    private final Map<String, Integer> idsBySchemaText = new HashMap<>();
    private final Map<String, List<SchemaVersion>> versionsBySubject = new TreeMap<>();
    private final Map<String, CompatibilityLevel> subjectCompatibility = new HashMap<>();
    private CompatibilityLevel globalCompatibility = CompatibilityLevel.BACKWARD;
    private int nextId = 1;
    private RegistryJournal journal;

    /** An empty, non-persistent registry with global compatibility BACKWARD. */
    public InMemorySchemaRegistry() {}

    /** A registry persisted in {@code dataDir}, restored from its journal when one exists. */
    public static InMemorySchemaRegistry persistent(Path dataDir) {
        var registry = new InMemorySchemaRegistry();
        registry.journal = RegistryJournal.open(dataDir, registry::apply);
        return registry;
    }

    @Override
    public synchronized int register(String subject, Schema schema) {
        requireSubject(subject);
        Objects.requireNonNull(schema, "schema");
        var text = schema.toString();
        var existing = versionsBySubject.getOrDefault(subject, List.of());
        for (var version : existing) {
            if (version.schema().toString().equals(text)) {
                return version.id();
            }
        }
        var level = compatibility(subject);
        var problems = level.violations(
                schema, existing.stream().map(SchemaVersion::schema).toList());
        if (!problems.isEmpty()) {
            throw new IncompatibleSchemaException(
                    "Schema being registered is incompatible with an earlier schema for subject \"" + subject
                            + "\" under compatibility " + level + ": " + String.join("; ", problems));
        }
        int id = idsBySchemaText.getOrDefault(text, nextId);
        record(new RegistryEvent.Registered(subject, existing.size() + 1, id, text));
        log.debug("Registered schema id {} as version {} of subject {}", id, existing.size() + 1, subject);
        return id;
    }

    /**
     * Parses {@code schemaText} and registers it; the entry point for schemas that arrive as text
     * (the HTTP server). Unparsable text raises {@link InvalidSchemaException}.
     */
    public int register(String subject, String schemaText) {
        return register(subject, parse(schemaText));
    }

    @Override
    public synchronized SchemaVersion lookup(String subject, Schema schema) {
        var text = schema.toString();
        for (var version : requireVersions(subject)) {
            if (version.schema().toString().equals(text)) {
                return version;
            }
        }
        throw new SchemaNotFoundException("Schema not found under subject \"" + subject + "\"");
    }

    @Override
    public synchronized Schema schemaById(int id) {
        var schema = schemasById.get(id);
        if (schema == null) {
            throw new SchemaNotFoundException("Schema " + id + " not found");
        }
        return schema;
    }

    @Override
    public synchronized SchemaVersion latest(String subject) {
        var versions = requireVersions(subject);
        return versions.get(versions.size() - 1);
    }

    @Override
    public synchronized SchemaVersion version(String subject, int version) {
        var versions = requireVersions(subject);
        if (version < 1 || version > versions.size()) {
            throw new VersionNotFoundException("Version " + version + " not found for subject \"" + subject
                    + "\" (versions 1.." + versions.size() + ")");
        }
        return versions.get(version - 1);
    }

    @Override
    public synchronized List<Integer> versions(String subject) {
        return requireVersions(subject).stream().map(SchemaVersion::version).toList();
    }

    @Override
    public synchronized List<String> subjects() {
        return List.copyOf(versionsBySubject.keySet());
    }

    @Override
    public synchronized boolean isCompatible(String subject, Schema schema) {
        requireSubject(subject);
        var existing = versionsBySubject.getOrDefault(subject, List.of());
        return compatibility(subject)
                .accepts(schema, existing.stream().map(SchemaVersion::schema).toList());
    }

    @Override
    public synchronized CompatibilityLevel compatibility(String subjectOrNull) {
        if (subjectOrNull == null) {
            return globalCompatibility;
        }
        return subjectCompatibility.getOrDefault(subjectOrNull, globalCompatibility);
    }

    /** The level set on {@code subject} itself, or null when it inherits the global level. */
    public synchronized CompatibilityLevel subjectCompatibility(String subject) {
        return subjectCompatibility.get(subject);
    }

    @Override
    public synchronized void setCompatibility(String subjectOrNull, CompatibilityLevel level) {
        Objects.requireNonNull(level, "level");
        if (subjectOrNull != null) {
            requireSubject(subjectOrNull);
        }
        record(new RegistryEvent.CompatibilitySet(subjectOrNull, level));
    }

    @Override
    public synchronized void close() {
        if (journal != null) {
            journal.close();
            journal = null;
        }
    }

    /** Parses schema text as the registry does, mapping parse errors to {@link InvalidSchemaException}. */
    static Schema parse(String schemaText) {
        if (schemaText == null || schemaText.isBlank()) {
            throw new InvalidSchemaException("Invalid schema: expected Avro schema JSON, found an empty string");
        }
        try {
            return new Schema.Parser().parse(schemaText);
        } catch (RuntimeException e) { // SchemaParseException, AvroTypeException, ... all mean "not a valid schema"
            throw new InvalidSchemaException("Invalid schema " + abbreviate(schemaText) + ": " + e.getMessage());
        }
    }

    private void record(RegistryEvent event) {
        if (journal != null) {
            journal.append(event);
        }
        apply(event);
    }

    private void apply(RegistryEvent event) {
        if (event instanceof RegistryEvent.Registered r) {
            var schema = schemasById.get(r.id());
            if (schema == null) {
                schema = parse(r.schema());
                schemasById.put(r.id(), schema);
                idsBySchemaText.put(schema.toString(), r.id());
            }
            var versions = versionsBySubject.computeIfAbsent(r.subject(), s -> new ArrayList<>());
            if (r.version() != versions.size() + 1) {
                throw new IllegalStateException("subject \"" + r.subject() + "\": expected version "
                        + (versions.size() + 1) + ", found " + r.version());
            }
            versions.add(new SchemaVersion(r.subject(), r.version(), r.id(), schema));
            nextId = Math.max(nextId, r.id() + 1);
        } else if (event instanceof RegistryEvent.CompatibilitySet c) {
            if (c.subject() == null) {
                globalCompatibility = c.level();
            } else {
                subjectCompatibility.put(c.subject(), c.level());
            }
        }
    }

    private List<SchemaVersion> requireVersions(String subject) {
        requireSubject(subject);
        var versions = versionsBySubject.get(subject);
        if (versions == null || versions.isEmpty()) {
            throw new SubjectNotFoundException("Subject \"" + subject + "\" not found");
        }
        return versions;
    }

    private static void requireSubject(String subject) {
        if (subject == null || subject.isBlank()) {
            throw new IllegalArgumentException(
                    "subject: expected a non-blank name such as '<topic>-value', found '" + subject + "'");
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 120 ? "'" + text + "'" : "'" + text.substring(0, 117) + "...'";
    }
}
