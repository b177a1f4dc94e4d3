package io.prefstream.launcher;

import picocli.CommandLine.Command;

/** {@code prefstream bench}: benchmarks that print ratios measured side by side in one run. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks that print ratios measured side by side in one run.",
        subcommands = {
            // one line per benchmark subcommand class, in alphabetical order
            BenchGeneratorCommand.class,
            BenchSamplerCommand.class,
            BenchSoakCommand.class,
            BenchStaleCommand.class,
        })
public final class BenchCommand extends CommandGroup {}
