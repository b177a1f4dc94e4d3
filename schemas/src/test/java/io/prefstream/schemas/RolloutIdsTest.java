package io.prefstream.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class RolloutIdsTest {

    @Test
    void idIsAFixedNameBasedUuid() {
        // Golden value: ids must never change between releases, or redelivered rollouts would look new.
        assertEquals("c5b538ed-f242-33f1-8212-28945927748d", RolloutIds.of("p-1", 3, 42));
        assertEquals('3', RolloutIds.of("p-1", 3, 42).charAt(14), "version nibble of a name-based MD5 UUID");
    }

    @Test
    void everyComponentChangesTheId() {
        var base = RolloutIds.of("p-1", 3, 42);
        assertNotEquals(base, RolloutIds.of("p-2", 3, 42));
        assertNotEquals(base, RolloutIds.of("p-1", 4, 42));
        assertNotEquals(base, RolloutIds.of("p-1", 3, 43));
    }

    @Test
    void promptIdsContainingTheSeparatorDoNotCollide() {
        // Without the length prefix both would hash "a:1:2:3".
        assertNotEquals(RolloutIds.of("a:1", 2, 3), RolloutIds.of("a", 1, 2));
        assertThrows(NullPointerException.class, () -> RolloutIds.of(null, 1, 2));
    }
}
