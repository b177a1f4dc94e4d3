package io.prefstream.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Locale;

/**
 * The directory of one run ({@code demo}, {@code up}): broker log, registry journal, checkpoints,
 * log file and report. A run directory is created only one level deep (a missing parent is a typo
 * more often than a wish), and a demo never starts in a directory that already holds a run: the
 * broker and trainer would resume the old run and its report would be overwritten.
 */
public final class RunDirectory {

    /** Entries whose presence means a directory holds a run. */
    static final List<String> MARKERS = List.of("kafka", "registry", "checkpoints", "report", "prefstream.log");

    private RunDirectory() {}

    /** Whether {@code dir} holds (part of) a run. */
    public static boolean holdsRun(Path dir) {
        return Files.isDirectory(dir) && MARKERS.stream().anyMatch(m -> Files.exists(dir.resolve(m)));
    }

    /**
     * Checks {@code dir} for a new run without creating anything: it must not hold a run already,
     * and its parent must exist.
     *
     * @param flag the option the user gave it with, for the message
     * @throws UsageException naming {@code flag}, what was found and what to do
     */
    static void requireNew(Path dir, String flag) {
        if (holdsRun(dir)) {
            var found =
                    MARKERS.stream().filter(m -> Files.exists(dir.resolve(m))).toList();
            throw new UsageException(flag + " " + dir + " already holds a run (found " + String.join(", ", found)
                    + "); a new run there would resume the old trainer and overwrite its report. Give a new "
                    + "directory (or leave " + flag + " out for runs/<timestamp>), or delete the old run with "
                    + "'prefstream clean --yes " + dir + "'");
        }
        requireParent(dir, flag);
    }

    /**
     * Checks that {@code dir} exists or that its parent does (only the last level is created).
     *
     * @throws UsageException naming {@code flag} and the missing parent
     */
    static void requireParent(Path dir, String flag) {
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.exists(abs) && !Files.isDirectory(abs)) {
            throw new UsageException(flag + " " + dir + " is a file; expected a directory");
        }
        Path parent = abs.getParent();
        if (!Files.exists(abs) && parent != null && !Files.isDirectory(parent)) {
            throw new UsageException(flag + " " + dir + ": the parent directory " + parent + " does not exist; "
                    + "create it first (only the last level of " + flag + " is created)");
        }
    }

    /**
     * Creates {@code dir} (its last level only) after {@link #requireParent}.
     */
    static Path create(Path dir, String flag) {
        requireParent(dir, flag);
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create " + flag + " " + dir, e);
        }
    }

    /** Bytes of all files under {@code dir}; 0 when it does not exist. */
    public static long size(Path dir) {
        if (!Files.exists(dir)) {
            return 0;
        }
        long[] total = {0};
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    total[0] += attrs.size();
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE; // a file removed while walking (broker segments)
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot measure " + dir, e);
        }
        return total[0];
    }

    /** E.g. {@code 181.3 MB}, {@code 12 kB}, {@code 512 B} (decimal units, as {@code du --si}). */
    public static String humanSize(long bytes) {
        if (bytes < 1000) {
            return bytes + " B";
        }
        String[] units = {"kB", "MB", "GB", "TB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1000 && unit < units.length - 1) {
            value /= 1000;
            unit++;
        }
        return String.format(Locale.ROOT, value < 10 ? "%.1f %s" : "%.0f %s", value, units[unit]);
    }
}
