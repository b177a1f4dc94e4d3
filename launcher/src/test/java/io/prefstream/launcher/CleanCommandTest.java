package io.prefstream.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code prefstream clean}: lists by default, deletes only run directories, keeps the cache. */
class CleanCommandTest {

    @TempDir
    Path runs;

    private Path first;
    private Path second;
    private Path cache;
    private Path other;

    @BeforeEach
    void runsDirectory() throws Exception {
        first = Files.createDirectories(runs.resolve("20261204-101500-a"));
        Files.write(Files.createDirectories(first.resolve("kafka")).resolve("00000.log"), new byte[3000]);
        Files.write(Files.createDirectories(first.resolve("report")).resolve("index.html"), new byte[200]);
        second = Files.createDirectories(runs.resolve("20261204-111500-b"));
        Files.write(
                Files.createDirectories(second.resolve("checkpoints").resolve("step-5"))
                        .resolve("w"),
                new byte[1000]);
        cache = Files.createDirectories(runs.resolve("cache"));
        Files.write(
                Files.createDirectories(cache.resolve("reference").resolve("x")).resolve("model"), new byte[500]);
        Files.write(cache.resolve("prefstream.log"), new byte[10]); // looks like a run, is the cache
        other = Files.createDirectories(runs.resolve("notes"));
        Files.writeString(other.resolve("todo.txt"), "keep me");
    }

    private Cli.Result clean(String... args) {
        var all = new java.util.ArrayList<>(
                java.util.List.of("clean", "--runs", runs.toString(), "--cache-dir", cache.toString()));
        all.addAll(java.util.List.of(args));
        return Cli.run(all.toArray(String[]::new));
    }

    @Test
    void withoutYesItOnlyListsTheRunsAndTheirSizes() {
        var result = clean();
        assertEquals(0, result.exitCode(), result.err());
        assertEquals(
                "would delete " + first + "  3.2 kB\nwould delete " + second + "  1.0 kB\n"
                        + "4.2 kB in all; run again with --yes to delete\n",
                result.out());
        assertTrue(Files.exists(first.resolve("kafka")) && Files.exists(second.resolve("checkpoints")));
    }

    @Test
    void yesDeletesTheRunsButNotTheCacheNorOtherFolders() {
        var result = clean("--yes", "--keep-reports");
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.out().contains("deleting " + first + "  3.0 kB (keeping report/)"), result.out());
        assertTrue(result.out().endsWith("freed 4.0 kB\n"), result.out());
        assertTrue(Files.exists(first.resolve("report").resolve("index.html")), "report kept");
        assertTrue(!Files.exists(first.resolve("kafka")), "broker log deleted");
        assertTrue(!Files.exists(second), "a run without a report is deleted whole");
        assertTrue(Files.exists(cache.resolve("reference").resolve("x").resolve("model")), "cache kept");
        assertEquals("keep me", assertDoesNotThrow(() -> Files.readString(other.resolve("todo.txt"))));

        var withCache = clean("--yes", "--cache");
        assertEquals(0, withCache.exitCode(), withCache.err());
        assertTrue(!Files.exists(cache), withCache.out());
    }

    @Test
    void aDirectoryThatHoldsNoRunIsRefused() {
        var result = clean("--yes", other.toString());
        assertEquals(PrefstreamCommand.EXIT_USAGE, result.exitCode());
        assertTrue(result.err().contains(other + " holds no run"), result.err());
        assertTrue(Files.exists(other.resolve("todo.txt")));
        var cacheArg = clean("--yes", cache.toString());
        assertEquals(PrefstreamCommand.EXIT_USAGE, cacheArg.exitCode());
        assertTrue(cacheArg.err().contains("is the cache (--cache-dir); delete it with --cache"), cacheArg.err());
    }

    private static <T> T assertDoesNotThrow(java.util.concurrent.Callable<T> call) {
        try {
            return call.call();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
