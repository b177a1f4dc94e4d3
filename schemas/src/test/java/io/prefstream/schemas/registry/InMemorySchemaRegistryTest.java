package io.prefstream.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class InMemorySchemaRegistryTest {
    private static Schema record(String fields) {
        return new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"R\",\"fields\":[" + fields + "]}");
    }

    private static final Schema X_INT = record("{\"name\":\"x\",\"type\":\"int\"}");
    private static final Schema EMPTY = record("");
    private static final Schema X_STRING_DEFAULT = record("{\"name\":\"x\",\"type\":\"string\",\"default\":\"\"}");
    private static final Schema X_INT_Y_DEFAULT =
            record("{\"name\":\"x\",\"type\":\"int\"},{\"name\":\"y\",\"type\":\"int\",\"default\":0}");
    private static final Schema X_INT_Y_REQUIRED =
            record("{\"name\":\"x\",\"type\":\"int\"},{\"name\":\"y\",\"type\":\"int\"}");

    @Test
    void levelsMatchTheirDefinitions() {
        var existing = List.of(X_INT);
        // Adding a defaulted field: readable both ways.
        for (var level : CompatibilityLevel.values()) {
            assertTrue(level.accepts(X_INT_Y_DEFAULT, existing), level.name());
        }
        // Adding a required field: new readers cannot read old data; old readers ignore the field.
        assertFalse(CompatibilityLevel.BACKWARD.accepts(X_INT_Y_REQUIRED, existing));
        assertTrue(CompatibilityLevel.FORWARD.accepts(X_INT_Y_REQUIRED, existing));
        assertFalse(CompatibilityLevel.FULL.accepts(X_INT_Y_REQUIRED, existing));
        assertTrue(CompatibilityLevel.NONE.accepts(X_INT_Y_REQUIRED, existing));
        // Removing a field without default: new readers skip it; old readers miss it.
        assertTrue(CompatibilityLevel.BACKWARD.accepts(EMPTY, existing));
        assertFalse(CompatibilityLevel.FORWARD.accepts(EMPTY, existing));
    }

    @Test
    void transitiveLevelsCheckEveryEarlierVersion() {
        // v1 x:int, v2 drops x, v3 brings x back as string: fine against v2, not against v1.
        var history = List.of(X_INT, EMPTY);
        assertTrue(CompatibilityLevel.BACKWARD.accepts(X_STRING_DEFAULT, history));
        assertFalse(CompatibilityLevel.BACKWARD_TRANSITIVE.accepts(X_STRING_DEFAULT, history));
        var problems = CompatibilityLevel.BACKWARD_TRANSITIVE.violations(X_STRING_DEFAULT, history);
        assertEquals(1, problems.size());
        assertTrue(
                problems.get(0)
                        .startsWith(
                                "new schema cannot read data written by version 1: TYPE_MISMATCH at /fields/0/type"),
                problems.get(0));
    }

    @Test
    void registryAppliesTheSubjectLevelAndAssignsIdsOncePerSchema() {
        try (var registry = new InMemorySchemaRegistry()) {
            assertEquals(1, registry.register("a-value", X_INT));
            assertEquals(1, registry.register("b-value", X_INT));
            assertEquals(2, registry.register("a-value", EMPTY));
            registry.setCompatibility("a-value", CompatibilityLevel.BACKWARD_TRANSITIVE);
            assertThrows(IncompatibleSchemaException.class, () -> registry.register("a-value", X_STRING_DEFAULT));
            registry.setCompatibility("a-value", CompatibilityLevel.BACKWARD);
            assertEquals(3, registry.register("a-value", X_STRING_DEFAULT));
            assertEquals(List.of(1, 2, 3), registry.versions("a-value"));
            assertEquals(
                    1, registry.register("a-value", X_INT), "a schema the subject holds keeps its id, no new version");
            assertEquals(List.of(1, 2, 3), registry.versions("a-value"));
            assertSame(registry.schemaById(2), registry.version("a-value", 2).schema());
        }
    }

    @Test
    void badInputIsRejectedWithWhatWasExpected() {
        try (var registry = new InMemorySchemaRegistry()) {
            var blank = assertThrows(IllegalArgumentException.class, () -> registry.register(" ", X_INT));
            assertEquals("subject: expected a non-blank name such as '<topic>-value', found ' '", blank.getMessage());
            var invalid = assertThrows(InvalidSchemaException.class, () -> registry.register("a-value", "{\"type\":"));
            assertEquals(42201, invalid.errorCode());
            var level = assertThrows(IllegalArgumentException.class, () -> CompatibilityLevel.parse("SIDEWAYS"));
            assertTrue(level.getMessage().endsWith("found 'SIDEWAYS'"), level.getMessage());
        }
    }

    @Test
    void mockUrlsShareOneRegistryPerScope() {
        try {
            var a = SchemaRegistries.forUrl("mock://scope-a", Map.of());
            a.register("t-value", X_INT);
            assertSame(a, SchemaRegistries.fromConfig(Map.of(RegistryClientConfig.URL, "mock://scope-a")));
            assertEquals(
                    List.of(),
                    SchemaRegistries.forUrl("mock://scope-b", Map.of()).subjects());
            a.close();
            assertEquals(
                    List.of("t-value"), SchemaRegistries.mockScope("scope-a").subjects(), "closing a mock is harmless");
            SchemaRegistries.dropScope("scope-a");
            assertEquals(List.of(), SchemaRegistries.mockScope("scope-a").subjects());
            assertTrue(SchemaRegistries.forUrl("http://127.0.0.1:1", Map.of()) instanceof RestSchemaRegistryClient);
        } finally {
            SchemaRegistries.dropScope("scope-a");
            SchemaRegistries.dropScope("scope-b");
        }
    }
}
