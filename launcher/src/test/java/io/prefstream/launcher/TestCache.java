package io.prefstream.launcher;

import java.nio.file.Path;

/**
 * The reference-policy cache the launcher's tests share: π_ref of the tiny profile is trained by
 * the first test that needs it and loaded by the others (the cache is keyed by the full spec, so
 * a changed profile trains a new one).
 */
final class TestCache {

    static final Path DIR = Path.of("target", "test-cache").toAbsolutePath();

    private TestCache() {}
}
