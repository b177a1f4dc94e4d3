package io.prefstream.launcher;

import ai.djl.Device;
import io.prefstream.launcher.load.TopicCounts;
import io.prefstream.launcher.logging.RunLog;
import io.prefstream.launcher.progress.MetricsTail;
import io.prefstream.launcher.progress.RunMetrics;
import io.prefstream.launcher.progress.ServiceLag;
import io.prefstream.launcher.progress.StatusLine;
import io.prefstream.launcher.report.ReportWriter;
import io.prefstream.launcher.report.RunSummary;
import io.prefstream.launcher.stack.EmbeddedStack;
import io.prefstream.launcher.stack.Preparation;
import io.prefstream.launcher.stack.PromptFeeder;
import io.prefstream.launcher.stack.RunSettings;
import io.prefstream.launcher.stack.ServiceProcess;
import io.prefstream.launcher.stack.ServiceStack;
import io.prefstream.model.checkpoint.Checkpoints;
import io.prefstream.model.eval.EvalReport;
import io.prefstream.model.eval.PolicyEvaluator;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.reference.RewardModels;
import io.prefstream.model.train.ProgressListener;
import io.prefstream.platform.config.CommonConfig;
import io.prefstream.platform.config.LoopMode;
import io.prefstream.platform.config.ResolvedConfig;
import io.prefstream.platform.lag.ConsumerLagReader;
import io.prefstream.schemas.MetricsKind;
import io.prefstream.schemas.topics.Topics;
import io.prefstream.tasks.Task;
import io.prefstream.trainer.TrainerSettings;
import io.prefstream.trainer.TrainerStatus;
import io.prefstream.trainer.loop.CheckpointEvent;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code prefstream demo}: the whole system in one JVM on an embedded broker, no Docker, no
 * network. Starts Kafka (KRaft) and the Schema Registry, prepares π_ref (cached) and the offline
 * preference set, starts trainer, labeler and generator, feeds prompts, and runs online preference
 * learning for {@code --steps} trainer steps with one live status line; then evaluates π_ref and
 * the final policy on the same held-out prompts and writes a report with plots. Ctrl-C stops the
 * run cleanly and still writes the report.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        header = "Online preference learning end to end on an embedded Kafka, with a report.",
        showDefaultValues = true,
        description = {
            "Online preference learning end to end on an embedded Kafka, in one JVM:",
            "pi_ref (trained once, then cached), the offline preference set, generator,",
            "labeler and trainer, a live status line, then a summary and a report with",
            "plots under <data-dir>/report/. Ctrl-C stops cleanly and still writes the report.",
            "Every run gets a new directory: --data-dir must not hold a run already.",
            "Options and --set values are all checked before anything starts; with --json",
            "the last line of stdout is one JSON object (with an \"error\" field on failure)."
        })
public final class DemoCommand implements java.util.concurrent.Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(DemoCommand.class);
    private static final long LAG_POLL_MS = 1000;
    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(90);

    @Mixin
    StackOptions stack;

    @Option(names = "--steps", description = "Trainer steps to run; default: the profile's (default 800, tiny 150).")
    Long steps;

    @Option(
            names = "--online-fraction",
            paramLabel = "F",
            description = "Fraction of each training batch that is fresh on-policy data (batcher.online-fraction); "
                    + "default: the profile's (1.0: only fresh data; 0.75 mixes in the offline set).")
    Double onlineFraction;

    @Option(
            names = "--mode",
            defaultValue = "streaming",
            paramLabel = "streaming|iterative",
            description = "streaming: generator and trainer run concurrently within a staleness bound; iterative: "
                    + "synchronous rounds (a budget of rollouts per policy version; each round trains only on "
                    + "samples of the policy published last).")
    String mode;

    @Option(
            names = "--offline-prompts",
            paramLabel = "N",
            description =
                    "Size of the offline preference set: pi_ref samples k responses for each of N prompts and "
                            + "the gold reward picks best vs worst (N x k labels); default: the profile's (default 2000, tiny 256).")
    Integer offlinePrompts;

    @Option(
            names = "--generator-cpus",
            paramLabel = "CPUS",
            description = "Run the generator as a process of its own pinned to these CPUs with taskset (e.g. 0, or "
                    + "0-3), as on a machine or GPU of its own; start the demo itself under 'taskset -c' on the other "
                    + "CPUs. Default: the generator runs in this JVM.")
    String generatorCpus;

    @Option(
            names = "--data-dir",
            description = "Run directory (broker log, registry, checkpoints, log file, "
                    + "report); default: runs/<timestamp>-<id>. It must not hold a run already (a demo does not resume); "
                    + "only its last level is created.")
    Path dataDir;

    @Option(names = "--json", description = "Print the summary as one JSON object on the last line of stdout.")
    boolean json;

    @Spec
    CommandSpec spec;

    /** Where the run is, for the Ctrl-C handler. */
    private enum Phase {
        PREPARING,
        ONLINE,
        FINISHING
    }

    private volatile Phase phase = Phase.PREPARING;
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final CompletableFuture<Void> online = new CompletableFuture<>();

    /** Completes once the services run and training has started. */
    public CompletableFuture<Void> online() {
        return online;
    }

    /** Asks the run to stop as Ctrl-C does: it closes the services and still writes its report. */
    public void requestStop() {
        stopRequested.countDown();
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try {
            return runChecked(out);
        } catch (Exception | Error e) {
            if (json) {
                JsonError.print(out, e.getMessage() == null ? e.toString() : e.getMessage());
            }
            throw e;
        }
    }

    /**
     * A checked run: every option, the run directory and every service's config record (built
     * from the profile, the options, {@code --config}, {@code PREFSTREAM_*} and {@code --set}).
     *
     * @param fraction   batcher.online-fraction over the profile's, or null for the profile's
     * @param humanToken the labeling UI token of {@code --labeling human}, else null
     * @param configs    the services' configs as checked (π_ref's path is still a placeholder)
     */
    record Plan(
            RunProfile profile,
            Task task,
            String objective,
            LoopMode mode,
            long steps,
            Double fraction,
            Path dir,
            String humanToken,
            ServiceStack.Configs configs,
            String generatorCpus) {}

    /**
     * Checks every option and builds every service's config before anything starts, so a bad
     * {@code --set} or an objective the batch mix cannot feed fails in a second, not after Kafka
     * and π_ref are up. Creates nothing.
     *
     * @throws UsageException or {@link io.prefstream.platform.config.ConfigException} naming the user's flag
     */
    Plan plan() {
        RunProfile profile = RunProfile.forTask(stack.profile, stack.task);
        if (offlinePrompts != null) {
            if (offlinePrompts < 1) {
                throw new UsageException("--offline-prompts must be at least 1, found " + offlinePrompts);
            }
            profile = profile.withOfflinePrompts(offlinePrompts);
        }
        if (generatorCpus != null) {
            checkGeneratorCpus();
        }
        Task task = FlagValues.task(stack.task);
        String objective = stack.objective();
        stack.validate();
        LoopMode runMode = parseMode(mode);
        long totalSteps = steps != null ? steps : profile.steps();
        if (totalSteps < 1) {
            throw new UsageException("--steps must be at least 1, found " + totalSteps);
        }
        if (onlineFraction != null && !(onlineFraction >= 0 && onlineFraction <= 1)) {
            throw new UsageException("--online-fraction must be in [0, 1], found " + onlineFraction);
        }
        Double fraction = onlineFraction != null ? onlineFraction : RunSettings.defaultOnlineFraction(objective);
        Path dir = dataDir != null ? dataDir : defaultRunDir();
        if (dataDir != null) {
            RunDirectory.requireNew(dir, "--data-dir");
        }
        String humanToken = stack.labeling == Labeling.HUMAN ? Labeling.newToken() : null;
        // π_ref and the reward model are prepared later; their paths do not change what is checked here
        Path referencePlaceholder = stack.policyDir() != null ? stack.policyDir() : stack.cacheDir;
        Path rewardPlaceholder =
                stack.labeling == Labeling.REWARD_MODEL ? stack.cacheDir.resolve("reward-model") : null;
        ServiceStack.Configs configs;
        try {
            configs = ServiceStack.configs(
                    settings(
                            profile,
                            task,
                            objective,
                            totalSteps,
                            fraction,
                            runMode,
                            referencePlaceholder,
                            rewardPlaceholder,
                            humanToken),
                    CommonConfig.local("127.0.0.1:9092", dir));
        } catch (io.prefstream.platform.config.ConfigException e) {
            if (onlineFraction != null && e.key().equals(TrainerSettings.OBJECTIVE.key())) {
                // the mix the user chose with --online-fraction cannot feed --algo: name their flags
                throw new UsageException(
                        "--algo " + objective + " with --online-fraction " + onlineFraction + ": "
                                + e.getMessage()
                                        .replace(TrainerSettings.ONLINE_FRACTION.key(), "--online-fraction")
                                        .replace(TrainerSettings.OBJECTIVE.key(), "--algo"),
                        e);
            }
            throw e;
        }
        return new Plan(
                profile, task, objective, runMode, totalSteps, fraction, dir, humanToken, configs, generatorCpus);
    }

    /** {@code --generator-cpus}: a CPU list, taskset on the PATH, and settings that can be passed on. */
    private void checkGeneratorCpus() {
        if (!ServiceProcess.CPU_LIST.matcher(generatorCpus).matches()) {
            throw new UsageException(
                    "--generator-cpus: expected a CPU list such as 0, 0-3 or 0,2, found '" + generatorCpus + "'");
        }
        var missing = ServiceProcess.missingCpus(generatorCpus);
        if (!missing.isEmpty()) {
            throw new UsageException("--generator-cpus " + generatorCpus + ": CPU " + missing
                    + " is not online on this machine (online: see /sys/devices/system/cpu/online)");
        }
        String path = System.getenv().getOrDefault("PATH", "");
        boolean found = java.util.Arrays.stream(path.split(java.io.File.pathSeparator))
                .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, "taskset")));
        if (!found) {
            throw new UsageException("--generator-cpus needs the taskset command (util-linux), not found on PATH");
        }
        if (stack.configFile != null) {
            throw new UsageException("--generator-cpus cannot be combined with --config: the generator process "
                    + "gets its settings as --set flags; give them with --set");
        }
    }

    private int runChecked(PrintWriter out) throws Exception {
        Plan plan = plan();
        RunProfile profile = plan.profile();
        Task task = plan.task();
        String objective = plan.objective();
        LoopMode runMode = plan.mode();
        long totalSteps = plan.steps();
        Double fraction = plan.fraction();
        Path dir = plan.dir();
        Device device = stack.deviceSetting().resolve();
        if (dataDir == null) {
            Files.createDirectories(dir.toAbsolutePath().getParent()); // runs/, which the user did not name
        }
        RunDirectory.create(dir, "--data-dir");
        boolean tty = System.console() != null && !json;

        Thread hook = new Thread(this::onShutdownSignal, "prefstream-demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try (RunLog runLog = RunLog.to(dir.resolve("prefstream.log"))) {
            out.printf(
                    "prefstream demo: task %s, objective %s, %d steps, %s mode, %s labeling, profile %s%s%n",
                    task.name(),
                    objective,
                    totalSteps,
                    runMode.name().toLowerCase(),
                    label(stack.labeling),
                    profile.name(),
                    onlineFraction == null && fraction != null
                            ? String.format(Locale.ROOT, ", online fraction %.2f (what %s needs)", fraction, objective)
                            : "");
            out.printf(
                    "run directory %s (log: %s)%n",
                    dir.toAbsolutePath(), runLog.file().toAbsolutePath());
            out.flush();
            try {
                return run(plan, device, out, tty);
            } catch (Exception | Error e) {
                log.error(RunLog.FILE_ONLY, "Demo run failed", e);
                throw e;
            }
        } finally {
            online.complete(null);
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down (Ctrl-C): the hook is running
            }
        }
    }

    /** The services' settings of this run: profile, options, then --config, PREFSTREAM_* and --set. */
    private ResolvedConfig settings(
            RunProfile profile,
            Task task,
            String objective,
            long totalSteps,
            Double fraction,
            LoopMode runMode,
            Path reference,
            Path rewardModel,
            String humanToken) {
        return RunSettings.resolve(
                base(profile, task, objective, totalSteps, fraction, runMode, reference, rewardModel, humanToken),
                stack.configFile,
                stack.overrides);
    }

    /** The services' settings of {@code plan} with π_ref and the reward model at these paths. */
    private ResolvedConfig settings(Plan plan, Path reference, Path rewardModel) {
        return settings(
                plan.profile(),
                plan.task(),
                plan.objective(),
                plan.steps(),
                plan.fraction(),
                plan.mode(),
                reference,
                rewardModel,
                plan.humanToken());
    }

    private Map<String, String> base(
            RunProfile profile,
            Task task,
            String objective,
            long totalSteps,
            Double fraction,
            LoopMode runMode,
            Path reference,
            Path rewardModel,
            String humanToken) {
        return RunSettings.run(profile)
                .task(task.name())
                .objective(objective)
                .steps(totalSteps)
                .onlineFraction(fraction)
                .mode(runMode)
                .seed(stack.seed)
                .reference(reference)
                .device(stack.device)
                .labeling(stack.labeling.settings(rewardModel, humanToken))
                .httpPort(0)
                .maxResponseTokens(task.maxResponseTokens())
                .base();
    }

    /** Every setting input of the run (base, derived values, then --set), as the generator process gets them. */
    private Map<String, String> settingInputs(Plan plan, Path reference, Path rewardModel) {
        var inputs = new java.util.LinkedHashMap<>(RunSettings.derive(
                base(
                        plan.profile(),
                        plan.task(),
                        plan.objective(),
                        plan.steps(),
                        plan.fraction(),
                        plan.mode(),
                        reference,
                        rewardModel,
                        plan.humanToken()),
                stack.configFile,
                stack.overrides));
        inputs.putAll(stack.overrides);
        return inputs;
    }

    /**
     * The run: prepare (π_ref, the offline set, the reward model, π_ref's evaluation), run the
     * services online, evaluate the final policy, report.
     */
    private int run(Plan plan, Device device, PrintWriter out, boolean tty) throws Exception {
        long started = System.nanoTime();
        com.fasterxml.jackson.databind.node.ObjectNode summaryJson;
        try (EmbeddedStack infra = EmbeddedStack.start(plan.dir(), 0, 0, 2)) {
            log.info("Embedded stack: Kafka {}, registry {}", infra.bootstrapServers(), infra.registryUrl());
            out.printf("embedded Kafka %s, schema registry %s%n", infra.bootstrapServers(), infra.registryUrl());
            Prepared prepared = prepare(plan, infra.clients(), device, out, tty);
            if (stopRequested.getCount() == 0) {
                out.println("stopped before online training started; no report written");
                if (json) {
                    JsonError.print(out, "stopped before online training started");
                }
                return PrefstreamCommand.EXIT_FAILURE;
            }
            OnlineRun onlineRun = runOnline(plan, prepared, infra, started, out, tty);
            EvalReport finalEval = evaluate(plan, prepared, onlineRun, device, out);
            summaryJson = report(plan, prepared, onlineRun, finalEval, started, out);
        }
        return finish(plan.dir(), summaryJson, out);
    }

    /**
     * What the online phase starts from.
     *
     * @param preparation  π_ref and the offline set
     * @param rewardModel  the reward model's checkpoint with {@code --labeling reward-model}, else null
     * @param evalOptions  the held-out evaluation both π_ref and the final policy get
     * @param reference    π_ref's evaluation
     */
    private record Prepared(
            Preparation.Result preparation,
            Path rewardModel,
            PolicyEvaluator.Options evalOptions,
            EvalReport reference) {

        Path referenceCheckpoint() {
            return preparation.reference().checkpoint();
        }
    }

    /** π_ref (trained or cached) and the offline set, the reward model if the labeling needs one, π_ref's evaluation. */
    private Prepared prepare(
            Plan plan, io.prefstream.platform.kafka.KafkaClients clients, Device device, PrintWriter out, boolean tty) {
        var prepared = Preparation.run(
                plan.task(),
                plan.profile(),
                stack.seed,
                stack.cacheDir,
                stack.policyDir(),
                device,
                clients,
                progress(out, tty, "training π_ref"),
                out::println);
        Path rewardModel = null;
        if (stack.labeling == Labeling.REWARD_MODEL) {
            rewardModel = RewardModels.prepare(
                    prepared.spec(),
                    prepared.reference().checkpoint(),
                    plan.profile().rewardPairs(),
                    plan.profile().rewardModel(),
                    stack.cacheDir,
                    device,
                    progress(out, tty, "training the reward model"));
            var accuracy = RewardModels.heldOutAccuracy(rewardModel);
            out.println("reward model ready: " + rewardModel
                    + (accuracy.isPresent()
                            ? String.format(
                                    Locale.ROOT, " (pairwise accuracy %.3f on held-out pairs)", accuracy.getAsDouble())
                            : ""));
        }
        var evalOptions = new PolicyEvaluator.Options(plan.profile().evalPrompts(), 1.0, stack.seed);
        EvalReport reference;
        try (CausalLm ref = Checkpoints.loadPolicy(prepared.reference().checkpoint(), device)) {
            reference = new PolicyEvaluator(plan.task()).evaluate(ref, ref, evalOptions);
        }
        out.printf(
                "π_ref on %d held-out prompts: gold reward %.3f%s%n",
                reference.n(),
                reference.goldRewardMean(),
                Double.isNaN(reference.accuracy())
                        ? ""
                        : String.format(Locale.ROOT, ", exact accuracy %.3f", reference.accuracy()));
        return new Prepared(prepared, rewardModel, evalOptions, reference);
    }

    /**
     * What the online phase left, read once every service has closed.
     *
     * @param settings         the services' settings
     * @param metrics          every metrics record of the run
     * @param lastCheckpoint   the trainer's latest checkpoint, or null
     * @param trainerStatus    the trainer's final status
     * @param completed        whether the trainer ran all its steps
     * @param failure          why the run ended early, or null
     * @param rollouts         rollouts the generator produced
     * @param deadLetters      dead letters written during the online phase
     * @param onlineStarted    {@link System#nanoTime()} when the services started
     * @param onlineEnded      {@link System#nanoTime()} when they were asked to close
     * @param onlineStartedMs  wall-clock milliseconds when the services started
     * @param samplingSeconds  the generator's time spent sampling
     */
    private record OnlineRun(
            ResolvedConfig settings,
            RunMetrics metrics,
            CheckpointEvent lastCheckpoint,
            TrainerStatus trainerStatus,
            boolean completed,
            String failure,
            long rollouts,
            long deadLetters,
            long onlineStarted,
            long onlineEnded,
            long onlineStartedMs,
            double samplingSeconds) {

        double onlineSeconds() {
            return (onlineEnded - onlineStarted) / 1e9;
        }
    }

    /**
     * Starts trainer, labeler and generator (in this JVM or a process of its own), feeds prompts
     * and shows the status line until the trainer is done, a service fails or the user stops the
     * run; then closes every service.
     */
    private OnlineRun runOnline(
            Plan plan, Prepared prepared, EmbeddedStack infra, long started, PrintWriter out, boolean tty)
            throws Exception {
        var clients = infra.clients();
        var settings = settings(plan, prepared.referenceCheckpoint(), prepared.rewardModel());
        long deadLettersBefore =
                TopicCounts.committedRecords(clients, Topics.DEAD_LETTERS.name(), Duration.ofMinutes(1));
        var metrics = new RunMetrics();
        var latestCheckpoint = new AtomicReference<CheckpointEvent>();
        var lag = new AtomicReference<Map<String, Long>>(Map.of());
        long onlineStarted;
        long onlineEnded;
        boolean completed;
        String failure = null;
        long rollouts;
        TrainerStatus trainerStatus;
        double samplingSeconds;
        long onlineStartedMs;
        try (MetricsTail tail = MetricsTail.start(clients, endOffsets(clients, Topics.METRICS.name()), metrics)) {
            // the clock starts with the trainer: fed only offline pairs, it may finish while the others start
            onlineStarted = System.nanoTime();
            onlineStartedMs = System.currentTimeMillis();
            ServiceStack services =
                    ServiceStack.start(settings, infra.config(), -1, generatorCpus == null, latestCheckpoint::set);
            ServiceProcess generatorProcess =
                    generatorCpus != null ? startGenerator(plan, prepared, infra, services, out) : null;
            phase = Phase.ONLINE;
            online.complete(null);
            if (stack.labeling == Labeling.HUMAN) {
                out.println("label in your browser: "
                        + Labeling.uiAddress(services.labeler().url(), settings, plan.humanToken()));
            }
            try (PromptFeeder feeder = PromptFeeder.start(
                            plan.task(),
                            "prefstream-generator",
                            plan.profile().promptBacklog(),
                            stack.seed * 1_000_003L,
                            clients);
                    var admin = clients.admin();
                    StatusLine status = StatusLine.start(
                            out,
                            tty,
                            () -> StatusLine.training(
                                    metrics, plan.steps(), lag.get(), (System.nanoTime() - started) / 1_000_000))) {
                failure = watch(services, generatorProcess, feeder, status, new ConsumerLagReader(admin), lag);
                phase = Phase.FINISHING;
            } finally {
                onlineEnded = System.nanoTime();
                if (generatorProcess != null) {
                    samplingSeconds = generatorProcess.samplingSeconds();
                    generatorProcess.close();
                } else {
                    samplingSeconds = services.generatorSamplingSeconds();
                }
                services.close();
                // read after close: the loop may finish a step while it is being stopped
                rollouts = services.generator() != null
                        ? services.generator().status().rollouts()
                        : TopicCounts.committedRecords(clients, Topics.ROLLOUTS.name(), Duration.ofMinutes(1));
                trainerStatus = services.trainer().status();
            }
            completed = trainerStatus.phase() == TrainerStatus.Phase.DONE;
            if (trainerStatus.phase() == TrainerStatus.Phase.FAILED && failure == null) {
                failure = "trainer: " + trainerStatus.failure();
            }
            tail.drainAndClose(Duration.ofSeconds(15));
        }
        long deadLetters = TopicCounts.committedRecords(clients, Topics.DEAD_LETTERS.name(), Duration.ofMinutes(1))
                - deadLettersBefore;
        return new OnlineRun(
                settings,
                metrics,
                latestCheckpoint.get(),
                trainerStatus,
                completed,
                failure,
                rollouts,
                deadLetters,
                onlineStarted,
                onlineEnded,
                onlineStartedMs,
                samplingSeconds);
    }

    /** {@code --generator-cpus}: the generator as a process of its own; closes {@code services} if it cannot start. */
    private ServiceProcess startGenerator(
            Plan plan, Prepared prepared, EmbeddedStack infra, ServiceStack services, PrintWriter out) {
        ServiceProcess generatorProcess;
        try {
            generatorProcess = ServiceProcess.startGenerator(
                    generatorCpus,
                    settingInputs(plan, prepared.referenceCheckpoint(), prepared.rewardModel()),
                    infra.config(),
                    freePort(),
                    plan.dir().resolve("generator.log"));
        } catch (RuntimeException e) {
            services.close();
            throw e;
        }
        out.println("generator process on CPUs " + generatorCpus + " (log: "
                + plan.dir().resolve("generator.log") + ")");
        return generatorProcess;
    }

    /**
     * Watches the running services until the trainer is done, the user stops the run or something
     * fails; polls the consumer lag for the status line meanwhile.
     *
     * @return why the run ended early, or null when the trainer finished or the user stopped it
     */
    private String watch(
            ServiceStack services,
            ServiceProcess generatorProcess,
            PromptFeeder feeder,
            StatusLine status,
            ConsumerLagReader lagReader,
            AtomicReference<Map<String, Long>> lag)
            throws InterruptedException {
        long nextLagPoll = 0;
        while (true) {
            var done = services.trainer().done();
            if (done.isDone()) {
                return null;
            }
            if (stopRequested.getCount() == 0) {
                status.println("stopping (Ctrl-C): closing services and writing the report...");
                return null;
            }
            Optional<String> broken = services.failure();
            if (broken.isEmpty() && generatorProcess != null) {
                broken = generatorProcess.failure();
            }
            if (broken.isEmpty() && feeder.failure() != null) {
                broken = Optional.of("prompt feeder: " + feeder.failure());
            }
            if (broken.isPresent()) {
                status.println("a service failed: " + broken.get());
                return broken.get();
            }
            if (System.nanoTime() >= nextLagPoll) {
                try {
                    lag.set(ServiceLag.read(lagReader));
                } catch (RuntimeException e) {
                    log.debug("Lag not readable yet: {}", e.toString());
                }
                nextLagPoll = System.nanoTime() + LAG_POLL_MS * 1_000_000;
            }
            try {
                done.get(200, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                // keep watching
            } catch (ExecutionException e) {
                status.println("the trainer failed: " + e.getCause());
                return "trainer: " + e.getCause();
            }
        }
    }

    /** The final policy against π_ref on the same held-out prompts; null when the trainer saved no checkpoint. */
    private static EvalReport evaluate(
            Plan plan, Prepared prepared, OnlineRun onlineRun, Device device, PrintWriter out) {
        CheckpointEvent last = onlineRun.lastCheckpoint();
        if (last == null || onlineRun.trainerStatus().step() <= 0 || !Files.isDirectory(last.dir())) {
            return null;
        }
        out.printf(
                "evaluating the final policy (step %d) against π_ref on %d held-out prompts...%n",
                last.state().step(), prepared.evalOptions().n());
        out.flush();
        try (CausalLm ref = Checkpoints.loadPolicy(prepared.referenceCheckpoint(), device);
                CausalLm policy = Checkpoints.loadPolicy(last.dir(), device)) {
            return new PolicyEvaluator(plan.task()).evaluate(policy, ref, prepared.evalOptions());
        }
    }

    /** Writes the report, prints the summary and returns it as JSON (with an "error" field when the run ended early). */
    private static com.fasterxml.jackson.databind.node.ObjectNode report(
            Plan plan, Prepared prepared, OnlineRun onlineRun, EvalReport finalEval, long started, PrintWriter out) {
        var metrics = onlineRun.metrics();
        double pairs = metrics.of(MetricsKind.TRAIN).stream()
                .mapToDouble(p -> p.get("pairs"))
                .filter(Double::isFinite)
                .sum();
        double onlineSeconds = onlineRun.onlineSeconds();
        var summary = new RunSummary(
                plan.task().name(),
                plan.objective(),
                onlineRun.trainerStatus().step(),
                plan.steps(),
                onlineRun.completed(),
                onlineRun.trainerStatus().policyVersion(),
                (System.nanoTime() - started) / 1e9,
                onlineSeconds,
                prepared.reference(),
                finalEval,
                onlineRun.rollouts(),
                pairs,
                onlineRun.deadLetters(),
                plan.dir().resolve("report"),
                usage(
                        metrics,
                        plan.profile(),
                        onlineRun.settings(),
                        onlineRun.onlineStartedMs(),
                        onlineSeconds,
                        onlineRun.samplingSeconds()));
        ReportWriter.write(summary, metrics);
        out.println();
        out.print(summary.table());
        out.println("report: "
                + summary.reportDir().resolve(ReportWriter.INDEX_HTML).toAbsolutePath());
        String failure = onlineRun.failure();
        if (failure != null) {
            out.println("run ended early: " + failure);
        }
        var summaryJson = summary.toJson();
        if (failure != null) {
            summaryJson.put("error", failure);
        }
        return summaryJson;
    }

    /** The run directory's size, then the JSON summary with {@code --json}; the exit code. */
    private int finish(Path dir, com.fasterxml.jackson.databind.node.ObjectNode summaryJson, PrintWriter out) {
        // measured once the broker has stopped: a running broker's preallocated index files look 10 MB each
        long size = RunDirectory.size(dir);
        out.printf(
                "run directory %s: %s (delete old runs with 'prefstream clean')%n", dir, RunDirectory.humanSize(size));
        if (json) {
            summaryJson.put("run_dir_bytes", size);
            out.println(summaryJson.toString());
        }
        out.flush();
        return summaryJson.has("error") ? PrefstreamCommand.EXIT_FAILURE : 0;
    }

    /**
     * Labels and busy time of a run: the offline set's labels when batches hold offline pairs,
     * the online labels the trainer consumed, and the idle fractions of trainer and generator.
     */
    static RunSummary.Usage usage(
            RunMetrics metrics,
            RunProfile profile,
            ResolvedConfig settings,
            long onlineStartedMs,
            double onlineSeconds,
            double samplingSeconds) {
        var train = metrics.of(MetricsKind.TRAIN);
        boolean usesOffline = settings.get(io.prefstream.trainer.TrainerSettings.ONLINE_FRACTION) < 1;
        long offlineLabels = usesOffline
                ? (long) profile.offline().prompts() * profile.offline().k()
                : 0;
        long onlineLabels = Math.round(train.stream()
                .mapToDouble(p -> p.get("online_labels"))
                .filter(Double::isFinite)
                .sum());
        double busy = train.stream()
                        .mapToDouble(p -> p.get("step_seconds"))
                        .filter(Double::isFinite)
                        .sum()
                + metrics.of(MetricsKind.EVAL).stream()
                        .mapToDouble(p -> p.get("eval_seconds"))
                        .filter(Double::isFinite)
                        .sum();
        double trainerIdle = onlineSeconds > 0 ? Math.max(0, 1 - busy / onlineSeconds) : Double.NaN;
        double generatorIdle = onlineSeconds > 0 && Double.isFinite(samplingSeconds)
                ? Math.max(0, 1 - samplingSeconds / onlineSeconds)
                : Double.NaN;
        return new RunSummary.Usage(offlineLabels, onlineLabels, onlineStartedMs, trainerIdle, generatorIdle);
    }

    private static int freePort() {
        try (var socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("no free port for the generator process's metrics", e);
        }
    }

    /** Ctrl-C: ask the run to stop, then wait for it to close the services and write its report. */
    private void onShutdownSignal() {
        stopRequested.countDown();
        if (phase == Phase.PREPARING) {
            return; // nothing to report yet; the JVM may stop now
        }
        try {
            finished.await(SHUTDOWN_WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Map<TopicPartition, Long> endOffsets(
            io.prefstream.platform.kafka.KafkaClients clients, String topic) {
        try (var reader = io.prefstream.platform.kafka.TopicReader.open(clients, topic)) {
            return reader.endOffsets();
        }
    }

    /** SFT/reward-model progress: a redrawn line on a terminal, a line every 25% otherwise. */
    static ProgressListener progress(PrintWriter out, boolean tty, String what) {
        return (step, total, loss, lr, elapsed) -> {
            if (tty) {
                out.printf(
                        "\r  %s: step %d/%d, loss %.3f, %s   ",
                        what, step, total, loss, StatusLine.duration(elapsed / 1_000_000));
                if (step == total) {
                    out.println();
                }
                out.flush();
            } else if (step == total || step % Math.max(1, total / 4) == 0) {
                out.printf(
                        "  %s: step %d/%d, loss %.3f, %s%n",
                        what, step, total, loss, StatusLine.duration(elapsed / 1_000_000));
                out.flush();
            }
        };
    }

    static LoopMode parseMode(String text) {
        try {
            return LoopMode.valueOf(text.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--mode: expected streaming or iterative, found '" + text + "'");
        }
    }

    private static String label(Labeling labeling) {
        return labeling.name().toLowerCase().replace('_', '-');
    }

    static Path defaultRunDir() {
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        String id = Long.toString(ProcessHandle.current().pid(), 36);
        return Path.of("runs", stamp + "-" + id);
    }
}
