package io.prefstream.labeler.human;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prefstream.platform.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenFileTest {

    @TempDir
    Path dir;

    /** Writes {@code text} with a modification time {@code second} seconds after a fixed instant. */
    private Path write(String text, int second) throws IOException {
        Path f = dir.resolve("tokens");
        Files.writeString(f, text);
        Files.setLastModifiedTime(f, FileTime.from(Instant.ofEpochSecond(1_700_000_000L + second)));
        return f;
    }

    @Test
    void labelersAreAddedAndRevokedByEditingTheFileWithoutARestart() throws IOException {
        Path f = write("# team\nbob:tok-bob\n\n", 0);
        var tokens = new TokenFile(LabelerTokens.parse("alice:tok-alice"), f);
        assertEquals(Set.of("alice", "bob"), tokens.get().labelerIds());
        assertEquals(Optional.of("bob"), tokens.get().labelerFor("tok-bob"));

        write("bob:tok-bob\ncarol:tok-carol\n", 1);
        assertEquals(Optional.of("carol"), tokens.get().labelerFor("tok-carol"), "added");
        write("carol:tok-carol\n", 2);
        assertEquals(Optional.empty(), tokens.get().labelerFor("tok-bob"), "revoked");
        assertEquals(Optional.of("alice"), tokens.get().labelerFor("tok-alice"), "labeler.tokens stay");

        write("carol:tok-carol\ndave\n", 3);
        assertEquals(Optional.of("carol"), tokens.get().labelerFor("tok-carol"), "a bad edit keeps the last tokens");
        Files.delete(f);
        assertEquals(Set.of("alice"), tokens.get().labelerIds(), "a deleted file revokes its labelers");
    }

    @Test
    void anInvalidFileAtStartUpNamesTheKeyAndLineButNoToken() throws IOException {
        Path f = write("bob:tok-bob\nmallory tok-secret\n", 0);
        var e = assertThrows(ConfigException.class, () -> new TokenFile(LabelerTokens.none(), f));
        assertTrue(e.getMessage().contains("labeler.http.token-file"), e.getMessage());
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        assertFalse(e.getMessage().contains("tok-secret"), e.getMessage());
        Path shared = write("bob:same\ncarol:same\n", 1);
        var dup = assertThrows(ConfigException.class, () -> new TokenFile(LabelerTokens.none(), shared));
        assertTrue(dup.getMessage().contains("line 2: labelers 'bob' and 'carol' share one token"), dup.getMessage());
    }
}
