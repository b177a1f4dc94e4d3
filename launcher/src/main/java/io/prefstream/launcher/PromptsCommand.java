package io.prefstream.launcher;

import io.prefstream.generator.PromptProducer;
import io.prefstream.launcher.load.TaskPromptCheck;
import io.prefstream.platform.kafka.TopicWriter;
import io.prefstream.schemas.Prompt;
import io.prefstream.schemas.topics.Topics;
import io.prefstream.tasks.Task;
import java.nio.file.Path;
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
@Command(
        name = "prompts",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        description = "Feed prompts to the generators (topic prefstream.prompts).",
        subcommands = {PromptsCommand.Load.class, PromptsCommand.Produce.class})
public final class PromptsCommand extends CommandGroup {

    /** {@code prefstream prompts load FILE}. */
    @Command(
            name = "load",
            mixinStandardHelpOptions = true,
            header = "Load a JSONL file of prompts (all or nothing).",
            showDefaultValues = true,
            description = {
                "Load prompts from a JSON Lines file into prefstream.prompts. Each line:",
                "{\"text\": ...}, optionally \"id\", \"task\", \"metadata\" (object of strings, numbers",
                "or booleans), or chat \"messages\". A prompt's task must be registered (see --custom-policy);",
                "its gold reward must score it and its tokenizer encode it. Every line is validated",
                "first and every bad line reported; an invalid file loads nothing."
            })
    public static final class Load implements Callable<Integer> {

        @Mixin
        ClusterOptions cluster;

        @Parameters(paramLabel = "FILE", description = "JSON Lines file of prompts.")
        Path file;

        @Option(names = "--task", defaultValue = "arithmetic", description = "Task of lines without a \"task\" field.")
        String task;

        @Option(
                names = "--custom-policy",
                description = "The prompts are for a policy you brought (--policy DIR): "
                        + "accept task names that are not registered (labeled by humans or a reward model) and leave "
                        + "tokenizing to the generator, which knows the policy's tokenizer.")
        boolean customPolicy;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            List<Prompt> prompts = TaskPromptCheck.read(file, task, customPolicy);
            int written = write(cluster, prompts);
            spec.commandLine()
                    .getOut()
                    .printf("Loaded %d prompts from %s into %s%n", written, file, Topics.PROMPTS.name());
            return 0;
        }
    }

    /** {@code prefstream prompts produce --task T --count N}. */
    @Command(
            name = "produce",
            mixinStandardHelpOptions = true,
            header = "Produce a task's seeded training prompts.",
            showDefaultValues = true,
            description = "Produce prompts from a task's seeded training-prompt source into prefstream.prompts.")
    public static final class Produce implements Callable<Integer> {

        @Mixin
        ClusterOptions cluster;

        @Option(names = "--task", defaultValue = "arithmetic", description = "Task whose prompts to produce.")
        String task;

        @Option(names = "--count", required = true, description = "Number of prompts.")
        int count;

        @Option(
                names = "--seed",
                description = "Seed of the prompt draw (and of the prompt ids); default: random, "
                        + "printed so the draw can be repeated.")
        Long seed;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            if (count < 1) {
                throw new UsageException("--count must be at least 1, found " + count);
            }
            Task t = FlagValues.task(task);
            long s = seed != null ? seed : ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
            int written = write(cluster, PromptProducer.taskPrompts(t, count, s));
            spec.commandLine()
                    .getOut()
                    .printf("Produced %d %s prompts (seed %d) into %s%n", written, t.name(), s, Topics.PROMPTS.name());
            return 0;
        }
    }

    private static int write(ClusterOptions cluster, List<Prompt> prompts) {
        var clients = cluster.clients("prefstream-prompts");
        TopicWriter.requireExists(clients, Topics.PROMPTS);
        try (var producer = PromptProducer.create(clients.config())) {
            return producer.send(prompts);
        }
    }
}
