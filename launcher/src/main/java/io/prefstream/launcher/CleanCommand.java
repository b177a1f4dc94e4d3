package io.prefstream.launcher;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code prefstream clean}: deletes run directories ({@code demo} and {@code up} state, about
 * 180 MB per full demo). Only directories that hold a run ({@link RunDirectory#holdsRun}) are
 * touched, never the cache of π_ref and reward models unless {@code --cache}; without
 * {@code --yes} it only lists what it would delete.
 */
@Command(
        name = "clean",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        header = "Delete old run directories under runs/ (lists them unless --yes).",
        description = {
            "Delete run directories (broker log, registry, checkpoints, log, report): the given",
            "DIRs, or every run directory under --runs. Without --yes it only lists what it would",
            "delete and how much space that frees. The cache of trained pi_ref and reward models",
            "(--cache-dir) is kept unless --cache; directories that hold no run are never touched."
        })
public final class CleanCommand implements Callable<Integer> {

    @Parameters(
            paramLabel = "DIR",
            arity = "0..*",
            description = "Run directories to delete; default: every run directory under --runs.")
    List<Path> dirs = new ArrayList<>();

    @Option(
            names = "--runs",
            paramLabel = "DIR",
            defaultValue = "runs",
            description = "Where runs are looked for when no DIR is given.")
    Path runsRoot;

    @Option(
            names = "--cache-dir",
            paramLabel = "DIR",
            defaultValue = "runs/cache",
            description = "The cache of reference policies and reward models (kept unless --cache).")
    Path cacheDir;

    @Option(names = "--cache", description = "Also delete the cache (the next demo trains pi_ref again).")
    boolean cache;

    @Option(names = "--keep-reports", description = "Keep each run's report/ folder; delete the rest.")
    boolean keepReports;

    @Option(names = "--yes", description = "Delete; without it, only list what would be deleted.")
    boolean yes;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Path cacheAbs = cacheDir.toAbsolutePath().normalize();
        var targets = new ArrayList<Path>();
        if (dirs.isEmpty()) {
            if (Files.isDirectory(runsRoot)) {
                try (var children = Files.list(runsRoot)) {
                    children.filter(RunDirectory::holdsRun).sorted().forEach(targets::add);
                } catch (IOException e) {
                    throw new UncheckedIOException("Cannot list --runs " + runsRoot, e);
                }
            }
        } else {
            for (Path dir : dirs) {
                if (dir.toAbsolutePath().normalize().equals(cacheAbs)) {
                    throw new UsageException(dir + " is the cache (--cache-dir); delete it with --cache");
                }
                if (!RunDirectory.holdsRun(dir)) {
                    throw new UsageException(dir + " holds no run (none of " + RunDirectory.MARKERS + "); "
                            + "clean deletes only run directories");
                }
                targets.add(dir);
            }
        }
        targets.removeIf(d -> d.toAbsolutePath().normalize().equals(cacheAbs));
        if (cache && Files.isDirectory(cacheDir)) {
            targets.add(cacheDir);
        }
        if (targets.isEmpty()) {
            out.println("nothing to clean" + (dirs.isEmpty() ? " under " + runsRoot : ""));
            out.flush();
            return 0;
        }
        long total = 0;
        for (Path dir : targets) {
            boolean keep = keepReports && !dir.equals(cacheDir) && Files.isDirectory(dir.resolve("report"));
            long bytes = RunDirectory.size(dir) - (keep ? RunDirectory.size(dir.resolve("report")) : 0);
            total += bytes;
            out.printf(
                    "%s %s  %s%s%n",
                    yes ? "deleting" : "would delete",
                    dir,
                    RunDirectory.humanSize(bytes),
                    keep ? " (keeping report/)" : "");
            if (yes) {
                delete(dir, keep ? dir.resolve("report") : null);
            }
        }
        out.println(
                yes
                        ? "freed " + RunDirectory.humanSize(total)
                        : RunDirectory.humanSize(total) + " in all; run again with --yes to delete");
        out.flush();
        return 0;
    }

    /** Deletes {@code dir} and everything under it except {@code keep} (and the folders above it). */
    private static void delete(Path dir, Path keep) {
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                    return d.equals(keep) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    if (e != null) {
                        throw e;
                    }
                    if (keep == null || !keep.startsWith(d)) {
                        Files.delete(d);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete " + dir, e);
        }
    }
}
