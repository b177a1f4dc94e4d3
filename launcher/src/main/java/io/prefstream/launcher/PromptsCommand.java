package io.prefstream.launcher;

import io.prefstream.launcher.load.PromptsFile;
import io.prefstream.launcher.load.TopicWriter;
import io.prefstream.platform.topics.Topics;
import io.prefstream.schemas.Prompt;
import io.prefstream.tasks.Task;
import io.prefstream.tasks.Tasks;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code prefstream prompts}: feed prompts to the generators. */
@Command(name = "prompts", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Feed prompts to the generators (topic prefstream.prompts).",
        subcommands = {PromptsCommand.Load.class, PromptsCommand.Produce.class})
public final class PromptsCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code prefstream prompts load FILE}. */
    @Command(name = "load", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = {"Load prompts from a JSON Lines file into prefstream.prompts.",
                    "Each line: {\"text\": ...} with optional \"id\", \"task\", \"metadata\" (object of strings).",
                    "Every line is validated first; an invalid file loads nothing."})
    public static final class Load implements Callable<Integer> {

        @Mixin
        ClusterOptions cluster;

        @Parameters(paramLabel = "FILE", description = "JSON Lines file of prompts.")
        Path file;

        @Option(names = "--task", defaultValue = "arithmetic", description = "Task of lines without a \"task\" field.")
        String task;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            List<Prompt> prompts = PromptsFile.read(file, task);
            int written = write(cluster, prompts);
            spec.commandLine().getOut().printf("Loaded %d prompts from %s into %s%n", written, file,
                    Topics.PROMPTS.name());
            return 0;
        }
    }

    /** {@code prefstream prompts produce --task T --count N}. */
    @Command(name = "produce", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Produce prompts from a task's seeded training-prompt source into prefstream.prompts.")
    public static final class Produce implements Callable<Integer> {

        @Mixin
        ClusterOptions cluster;

        @Option(names = "--task", defaultValue = "arithmetic", description = "Task whose prompts to produce.")
        String task;

        @Option(names = "--count", required = true, description = "Number of prompts.")
        int count;

        @Option(names = "--seed", description = "Seed of the prompt draw (and of the prompt ids); default: random, "
                + "printed so the draw can be repeated.")
        Long seed;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            if (count < 1) {
                throw new IllegalArgumentException("--count must be at least 1, found " + count);
            }
            Task t = Tasks.byName(task);
            long s = seed != null ? seed : ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
            int written = write(cluster, TaskPrompts.of(t, s, 0, count));
            spec.commandLine().getOut().printf("Produced %d %s prompts (seed %d) into %s%n", written, t.name(), s,
                    Topics.PROMPTS.name());
            return 0;
        }
    }

    private static int write(ClusterOptions cluster, List<Prompt> prompts) {
        try (TopicWriter<Prompt> writer = TopicWriter.open(cluster.clients("prefstream-prompts"), Topics.PROMPTS)) {
            return writer.writeAll(prompts, Prompt::getId);
        }
    }

    /** Prompt records from a task's seeded prompt source. */
    public static final class TaskPrompts {

        private TaskPrompts() {
        }

        /**
         * Prompts {@code from .. from+count-1} of the task's stream for {@code seed}; ids are
         * {@code <task>-<seed>-<index>}, so the same seed and index always give the same prompt.
         */
        public static List<Prompt> of(Task task, long seed, int from, int count) {
            List<String> texts = task.prompts(seed, from + count).subList(from, from + count);
            long now = System.currentTimeMillis();
            var out = new ArrayList<Prompt>(count);
            for (int i = 0; i < count; i++) {
                out.add(Prompt.newBuilder()
                        .setId(task.name() + "-" + Long.toUnsignedString(seed, 36) + "-" + (from + i))
                        .setTask(task.name())
                        .setText(texts.get(i))
                        .setCreatedAtMs(now)
                        .build());
            }
            return out;
        }
    }
}
