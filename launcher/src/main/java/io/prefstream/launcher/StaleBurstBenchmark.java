package io.prefstream.launcher;

import io.micrometer.core.instrument.Counter;
import io.prefstream.generator.GeneratorSettings;
import io.prefstream.generator.PromptProducer;
import io.prefstream.launcher.load.TopicCounts;
import io.prefstream.launcher.stack.EmbeddedStack;
import io.prefstream.launcher.stack.Preparation;
import io.prefstream.launcher.stack.RunSettings;
import io.prefstream.launcher.stack.ServiceStack;
import io.prefstream.model.DeviceSetting;
import io.prefstream.model.train.ProgressListener;
import io.prefstream.platform.config.ResolvedConfig;
import io.prefstream.schemas.topics.Topics;
import io.prefstream.tasks.Task;
import io.prefstream.trainer.TrainerSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Issue 18's burst: every prompt of a burst is on {@code prefstream.prompts} before the services
 * start, then the real trainer (batcher + training loop), labeler (rule labels) and generator run
 * in this JVM on an embedded broker until the burst is used up: every prompt sampled, and every
 * rollout trained, routed stale or dead-lettered (or left over, fewer than one batch's online items,
 * when nothing moved for {@code quiet}). It runs twice from fresh topics, once per admission rule
 * ({@code generator.bound-untrained} false = the per-version rule alone, then true), with the same
 * π_ref, seed and prompts, and reports the fraction of rollouts sent to {@code prefstream.stale}.
 */
public final class StaleBurstBenchmark {

    private StaleBurstBenchmark() {}

    /**
     * @param profile   run profile (sizes, pacing) as {@code prefstream demo --profile}
     * @param prompts   prompts in the burst
     * @param seed      π_ref, prompts, sampling
     * @param cacheDir  π_ref cache, shared with {@code demo}
     * @param device    where models run
     * @param timeout   longest one arm may run
     * @param quiet     how long nothing may move before an arm counts what is left as left over
     */
    public record Options(
            String profile,
            int prompts,
            long seed,
            Path cacheDir,
            DeviceSetting device,
            Duration timeout,
            Duration quiet,
            Map<String, String> overrides) {}

    /**
     * One arm's counts, read from the topics after the services stopped.
     *
     * @param rule         admission rule
     * @param produced     rollouts on {@code prefstream.rollouts}
     * @param trained      online rollouts in batches the trainer consumed
     * @param stale        records on {@code prefstream.stale}
     * @param deadLetters  records on the dead-letter topic
     * @param steps        trainer steps
     * @param versions     policy versions published after version 0
     * @param seconds      wall time of the online phase
     * @param finished     whether the burst was used up (else the timeout or a quiet spell ended it)
     */
    public record Arm(
            String rule,
            long produced,
            long trained,
            long stale,
            long deadLetters,
            long steps,
            long versions,
            double seconds,
            boolean finished,
            long untrained) {

        /** Rollouts neither trained nor stale nor dead-lettered when the arm ended. */
        public long leftOver() {
            return produced - trained - stale - deadLetters;
        }

        public double staleFraction() {
            return produced == 0 ? 0 : (double) stale / produced;
        }

        String toText() {
            return String.format(
                    Locale.ROOT,
                    "%-12s produced %6d  trained %6d  stale %6d (%5.1f %%)  dead-lettered %4d  left over %4d  "
                            + "steps %5d  versions %4d  %6.1f s  %5.1f trained/s%s",
                    rule,
                    produced,
                    trained,
                    stale,
                    100 * staleFraction(),
                    deadLetters,
                    leftOver(),
                    steps,
                    versions,
                    seconds,
                    trained / seconds,
                    finished ? "" : "  (not finished)");
        }
    }

    /** Both arms of one run. */
    public record Result(
            Options options, long onlineItemsPerStep, long budget, int maxStaleness, Arm perVersion, Arm bounded) {

        public String toText() {
            var b = new StringBuilder();
            b.append(String.format(
                    Locale.ROOT,
                    "burst of %d prompts, profile %s, seed %d; trainer uses %d online rollouts per step, generator "
                            + "budget B = %d per version, S = %d%n",
                    options.prompts(),
                    options.profile(),
                    options.seed(),
                    onlineItemsPerStep,
                    budget,
                    maxStaleness));
            b.append(perVersion.toText()).append('\n');
            b.append(bounded.toText()).append('\n');
            double ratio = bounded.staleFraction() == 0
                    ? Double.POSITIVE_INFINITY
                    : perVersion.staleFraction() / bounded.staleFraction();
            b.append(String.format(
                    Locale.ROOT,
                    "stale fraction: per-version %.1f %% -> untrained-bound %.1f %% (%s); trained rollouts/s %.2fx",
                    100 * perVersion.staleFraction(),
                    100 * bounded.staleFraction(),
                    Double.isInfinite(ratio) ? "none stale" : String.format(Locale.ROOT, "%.1fx fewer", ratio),
                    (bounded.trained() / bounded.seconds()) / (perVersion.trained() / perVersion.seconds())));
            return b.toString();
        }

        public String toJson() {
            return String.format(
                    Locale.ROOT,
                    "{\"prompts\":%d,\"profile\":\"%s\",\"seed\":%d,\"per_version\":%s,\"untrained_bound\":%s}",
                    options.prompts(),
                    options.profile(),
                    options.seed(),
                    json(perVersion),
                    json(bounded));
        }

        private static String json(Arm a) {
            return String.format(
                    Locale.ROOT,
                    "{\"produced\":%d,\"trained\":%d,\"stale\":%d,\"dead_lettered\":%d,\"left_over\":%d,"
                            + "\"stale_fraction\":%.4f,\"steps\":%d,\"versions\":%d,\"seconds\":%.1f,\"finished\":%b,"
                            + "\"untrained_at_end\":%d}",
                    a.produced(),
                    a.trained(),
                    a.stale(),
                    a.deadLetters(),
                    a.leftOver(),
                    a.staleFraction(),
                    a.steps(),
                    a.versions(),
                    a.seconds(),
                    a.finished(),
                    a.untrained());
        }
    }

    /** Runs the per-version arm, then the untrained-bound arm, each on a fresh embedded stack under {@code workDir}. */
    public static Result run(Options options, Path workDir, Consumer<String> messages) {
        Arm perVersion = arm(options, workDir.resolve("per-version"), false, messages);
        Arm bounded = arm(options, workDir.resolve("untrained-bound"), true, messages);
        ResolvedConfig settings = settings(options, Path.of("unused"), true);
        long online =
                Math.round(settings.get(TrainerSettings.BATCH_SIZE) * settings.get(TrainerSettings.ONLINE_FRACTION));
        return new Result(
                options,
                online,
                settings.get(GeneratorSettings.BUDGET_PER_VERSION),
                settings.get(GeneratorSettings.MAX_STALENESS),
                perVersion,
                bounded);
    }

    /**
     * Resolves the services' settings with a stand-in π_ref, so that a bad {@code --set} is reported
     * before a broker starts or π_ref is trained.
     *
     * @throws io.prefstream.platform.config.ConfigException naming the setting and the flag
     */
    public static void checkSettings(Options options) {
        settings(options, Path.of("pi_ref"), true);
    }

    private static ResolvedConfig settings(Options options, Path reference, boolean bound) {
        var base = RunProfile.named(options.profile())
                .ruleLabeledStreaming(FlagValues.task("arithmetic"), options.seed(), reference, options.device());
        var overrides = new LinkedHashMap<String, String>(options.overrides());
        overrides.put(GeneratorSettings.BOUND_UNTRAINED.key(), Boolean.toString(bound));
        return RunSettings.resolve(base, null, overrides);
    }

    private static Arm arm(Options options, Path dir, boolean bound, Consumer<String> messages) {
        String rule = bound ? "untrained" : "per-version";
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Task task = FlagValues.task("arithmetic");
        RunProfile profile = RunProfile.named(options.profile());
        try (EmbeddedStack infra = EmbeddedStack.start(dir, 0, 0, 2)) {
            var clients = infra.clients();
            var prepared = Preparation.run(
                    task,
                    profile,
                    options.seed(),
                    options.cacheDir(),
                    options.device().resolve(),
                    clients,
                    ProgressListener.none(),
                    messages);
            ResolvedConfig settings = settings(options, prepared.reference().checkpoint(), bound);
            long online = Math.round(
                    settings.get(TrainerSettings.BATCH_SIZE) * settings.get(TrainerSettings.ONLINE_FRACTION));
            try (var producer = PromptProducer.create(infra.config())) {
                producer.send(PromptProducer.taskPrompts(task, options.prompts(), options.seed() * 1_000_003L));
            }
            messages.accept(rule + ": " + options.prompts() + " prompts queued; starting the services");
            long started = System.nanoTime();
            long deadline = started + options.timeout().toNanos();
            boolean finished = false;
            long steps;
            long versions;
            long consumedBatches;
            long untrained;
            try (ServiceStack services = ServiceStack.start(settings, infra.config(), -1, true, e -> {})) {
                long lastChange = System.nanoTime();
                String last = "";
                while (System.nanoTime() < deadline) {
                    Thread.sleep(1000);
                    var failure = services.failure();
                    if (failure.isPresent()) {
                        throw new IllegalStateException(rule + " arm: " + failure.get());
                    }
                    long produced = services.generator().status().rollouts();
                    long stale = (long) services.meters().find("prefstream.batcher.stale").counters().stream()
                            .mapToDouble(Counter::count)
                            .sum();
                    long emitted = (long) services.meters().find("prefstream.batcher.batches").counters().stream()
                            .mapToDouble(Counter::count)
                            .sum();
                    long consumed = services.trainer().status().lastSequence() + 1;
                    String now = produced + "/" + stale + "/" + emitted + "/" + consumed;
                    if (!now.equals(last)) {
                        last = now;
                        lastChange = System.nanoTime();
                    }
                    long unaccounted = produced - stale - consumed * online;
                    if (produced >= options.prompts() && consumed == emitted && unaccounted < online) {
                        finished = true;
                        break;
                    }
                    if (produced >= options.prompts()
                            && System.nanoTime() - lastChange > options.quiet().toNanos()) {
                        break;
                    }
                }
                var status = services.trainer().status();
                steps = status.step();
                versions = status.policyVersion();
                consumedBatches = status.lastSequence() + 1;
                var gauge =
                        services.meters().find("prefstream.generator.untrained").gauge();
                untrained = gauge == null ? -1 : (long) gauge.value();
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            Duration t = Duration.ofMinutes(1);
            var arm = new Arm(
                    rule,
                    TopicCounts.committedRecords(clients, Topics.ROLLOUTS.name(), t),
                    consumedBatches * online,
                    TopicCounts.committedRecords(clients, Topics.STALE.name(), t),
                    TopicCounts.committedRecords(clients, Topics.DEAD_LETTERS.name(), t),
                    steps,
                    versions,
                    seconds,
                    finished,
                    untrained);
            messages.accept(arm.toText());
            return arm;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
