package io.prefstream.launcher.soak;

import io.prefstream.generator.GeneratorSettings;
import io.prefstream.generator.PromptProducer;
import io.prefstream.labeler.LabelerSettings;
import io.prefstream.launcher.RunProfile;
import io.prefstream.launcher.stack.Preparation;
import io.prefstream.launcher.stack.RunSettings;
import io.prefstream.launcher.stack.ServiceProcess;
import io.prefstream.launcher.stack.ServiceProcess.Service;
import io.prefstream.launcher.stack.ServiceStack;
import io.prefstream.model.DeviceSetting;
import io.prefstream.model.train.ProgressListener;
import io.prefstream.platform.config.CommonConfig;
import io.prefstream.platform.config.ResolvedConfig;
import io.prefstream.platform.kafka.EmbeddedKafkaCluster;
import io.prefstream.platform.kafka.KafkaClients;
import io.prefstream.platform.kafka.TopicProducer;
import io.prefstream.platform.topics.TopicProvisioner;
import io.prefstream.schemas.Prompt;
import io.prefstream.schemas.registry.SchemaRegistries;
import io.prefstream.schemas.registry.SchemaRegistryServer;
import io.prefstream.schemas.topics.Topics;
import io.prefstream.tasks.Task;
import io.prefstream.tasks.Tasks;
import io.prefstream.trainer.TrainerSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 18's soak: the whole loop as an operator deploys it (a KRaft broker in a process of its
 * own, the Schema Registry, and the trainer, labeler and generator each in a process of its own,
 * rule labels, streaming online DPO), fed a paced stream of tracked prompts while faults are
 * injected at fixed points of progress: SIGKILLs of every service (each restarted at once, as an
 * orchestrator would), a broker SIGKILL with the broker down for a while, and two waves of corrupt
 * records on every topic a service consumes. Once every tracked prompt is sampled and every
 * tracked rollout trained or routed stale (filler prompts keep batches filling meanwhile), the
 * services stop cleanly and everything committed is read back and counted by a {@link SoakLedger}:
 * lost, duplicated and stale records, policy versions and batch sequences, dead letters.
 */
public final class SoakBenchmark {

    private static final Logger log = LoggerFactory.getLogger(SoakBenchmark.class);
    private static final Duration TICK = Duration.ofMillis(500);
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(10);
    private static final int CHUNK = 20;

    private SoakBenchmark() {}

    /** A fault the soak injects. */
    public enum Fault {
        CORRUPT_RECORDS("corrupt records"),
        KILL_GENERATOR("SIGKILL generator"),
        KILL_TRAINER("SIGKILL trainer"),
        KILL_LABELER("SIGKILL labeler"),
        BROKER_RESTART("SIGKILL broker");

        final String label;

        Fault(String label) {
            this.label = label;
        }
    }

    /** A fault and the share of tracked prompts trained or routed stale at which it is injected. */
    public record Step(double at, Fault fault) {}

    /** The faults of every soak, in order. */
    public static final List<Step> SCHEDULE = List.of(
            new Step(0.10, Fault.CORRUPT_RECORDS),
            new Step(0.20, Fault.KILL_GENERATOR),
            new Step(0.30, Fault.KILL_TRAINER),
            new Step(0.45, Fault.BROKER_RESTART),
            new Step(0.55, Fault.KILL_LABELER),
            new Step(0.65, Fault.CORRUPT_RECORDS),
            new Step(0.70, Fault.KILL_TRAINER),
            new Step(0.80, Fault.KILL_GENERATOR));

    /**
     * @param profile    run profile (model and batch sizes), as {@code demo --profile}
     * @param prompts    tracked prompts
     * @param seed       π_ref, prompts, sampling, corrupt bytes
     * @param cacheDir   π_ref cache, shared with {@code demo}
     * @param device     where the services' models run
     * @param brokerDown how long the broker stays down after its SIGKILL
     * @param timeout    longest the run may take once the services started
     * @param overrides  {@code --set} values for the services
     */
    public record Options(
            String profile,
            int prompts,
            long seed,
            Path cacheDir,
            DeviceSetting device,
            Duration brokerDown,
            Duration timeout,
            Map<String, String> overrides) {}

    /** One injected fault: when, and how long until the work it interrupted moved again (NaN: never). */
    public record Applied(Fault fault, double progress, double atSeconds, double resumedAfterSeconds) {

        String toText() {
            return String.format(
                    Locale.ROOT,
                    "%-18s at %3.0f %% (t = %5.1f s)%s",
                    fault.label,
                    100 * progress,
                    atSeconds,
                    fault == Fault.CORRUPT_RECORDS
                            ? ""
                            : Double.isNaN(resumedAfterSeconds)
                                    ? "  did not resume"
                                    : String.format(Locale.ROOT, "  resumed after %.1f s", resumedAfterSeconds));
        }
    }

    /**
     * A soak's outcome.
     *
     * @param onlinePerStep  online rollouts the trainer uses per step
     * @param budget         B, the generator's per-version budget
     * @param maxStaleness   S
     * @param counts         what was read back
     * @param faults         the faults injected
     * @param ownExits       services that exited without being killed (each restarted), with the end of their log
     * @param fillers        filler prompts sent after the tracked ones
     * @param seconds        wall time from starting the services to stopping them
     * @param settled        whether every tracked prompt was sampled and every tracked rollout trained or stale
     */
    public record Result(
            Options options,
            long onlinePerStep,
            long budget,
            long maxStaleness,
            SoakLedger.Counts counts,
            List<Applied> faults,
            List<String> ownExits,
            long fillers,
            double seconds,
            boolean settled) {

        /**
         * The stale records the soak tolerates: (S+1)·B per trainer kill and broker restart. A
         * trainer that restarts from its last checkpoint repeats the steps since then while the
         * generator's admitted work, at most (S+1)·B rollouts, waits; what of it ages past S is
         * routed stale, by design, instead of being trained on an outdated policy.
         */
        public long staleBound() {
            long disruptions = faults.stream()
                    .filter(f -> f.fault() == Fault.KILL_TRAINER || f.fault() == Fault.BROKER_RESTART)
                    .count();
            return (maxStaleness + 1) * budget * disruptions;
        }

        /** Everything that must hold: settled, every count that must be zero is, stale within its bound, no own exits. */
        public List<String> failures() {
            var out = new ArrayList<String>();
            if (!settled) {
                out.add("not settled within " + options.timeout().toSeconds() + " s");
            }
            counts.failures().forEach(out::add);
            if (counts.staleRecords() > staleBound()) {
                out.add("stale records " + counts.staleRecords() + " over the bound " + staleBound());
            }
            if (!ownExits.isEmpty()) {
                out.add(ownExits.size() + " service exits nobody caused");
            }
            if (faults.stream()
                    .anyMatch(f -> f.fault() != Fault.CORRUPT_RECORDS && Double.isNaN(f.resumedAfterSeconds()))) {
                out.add("work did not resume after a fault");
            }
            return out;
        }

        public String toText() {
            var c = counts;
            var b = new StringBuilder();
            b.append(String.format(
                    Locale.ROOT,
                    "soak: %d tracked prompts (+%d filler), profile %s, seed %d, %.0f s; trainer uses %d online "
                            + "rollouts per step, B = %d, S = %d%n",
                    c.prompts(),
                    fillers,
                    options.profile(),
                    options.seed(),
                    seconds,
                    onlinePerStep,
                    budget,
                    maxStaleness));
            b.append("faults:\n");
            faults.forEach(f -> b.append("  ").append(f.toText()).append('\n'));
            b.append(String.format(
                    Locale.ROOT,
                    "tracked rollouts %d: trained %d, stale %d, pending %d, lost %d%n",
                    c.rollouts(),
                    c.trained(),
                    c.stale(),
                    c.pending(),
                    c.lost()));
            b.append(String.format(
                    Locale.ROOT,
                    "batches %d (sequences 0..%d), policy versions %d; corrupt records %d sent, %d dead-lettered "
                            + "(%d dead letters)%n",
                    c.batches(),
                    c.batches() - 1,
                    c.versions(),
                    c.corruptInjected(),
                    c.corruptDeadLettered(),
                    c.corruptDeadLetters()));
            b.append(String.format(
                    Locale.ROOT,
                    "stale: %d of %d rollout groups (%.2f %%), bound (S+1)·B per trainer kill or broker restart = %d%n",
                    c.staleRecords(),
                    c.groups(),
                    100 * c.staleFraction(),
                    staleBound()));
            b.append("must be zero:");
            c.mustBeZero().forEach((name, n) -> b.append(String.format(Locale.ROOT, "%n  %-36s %d", name, n)));
            b.append(String.format(Locale.ROOT, "%n  %-36s %d", "service exits nobody caused", ownExits.size()));
            c.otherDeadLetters()
                    .forEach((what, n) -> b.append("\n  dead-lettered valid records: ")
                            .append(what)
                            .append(" × ")
                            .append(n));
            c.corruptMissing().forEach(m -> b.append("\n  not dead-lettered: ").append(m));
            c.undecodable().stream()
                    .limit(5)
                    .forEach(u -> b.append("\n  undecodable: ").append(u));
            ownExits.forEach(e -> b.append("\n  exit: ").append(e));
            var failures = failures();
            b.append('\n').append(failures.isEmpty() ? "PASS" : "FAIL: " + String.join("; ", failures));
            return b.toString();
        }

        public String toJson() {
            var c = counts;
            String zeros = c.mustBeZero().entrySet().stream()
                    .map(e -> "\"" + e.getKey().replace(' ', '_') + "\":" + e.getValue())
                    .collect(Collectors.joining(","));
            String faultsJson = faults.stream()
                    .map(f -> String.format(
                            Locale.ROOT,
                            "{\"fault\":\"%s\",\"progress\":%.3f,\"at_s\":%.1f,\"resumed_after_s\":%s}",
                            f.fault().name().toLowerCase(Locale.ROOT),
                            f.progress(),
                            f.atSeconds(),
                            Double.isNaN(f.resumedAfterSeconds())
                                    ? "null"
                                    : String.format(Locale.ROOT, "%.1f", f.resumedAfterSeconds())))
                    .collect(Collectors.joining(","));
            return String.format(
                    Locale.ROOT,
                    "{\"passed\":%b,\"settled\":%b,\"prompts\":%d,\"fillers\":%d,\"seed\":%d,\"profile\":\"%s\","
                            + "\"seconds\":%.1f,\"rollouts\":%d,\"trained\":%d,\"stale\":%d,\"stale_records\":%d,"
                            + "\"groups\":%d,\"stale_fraction\":%.4f,\"stale_bound\":%d,\"batches\":%d,\"versions\":%d,"
                            + "\"corrupt_sent\":%d,\"corrupt_dead_lettered\":%d,\"own_exits\":%d,%s,\"faults\":[%s]}",
                    failures().isEmpty(),
                    settled,
                    c.prompts(),
                    fillers,
                    options.seed(),
                    options.profile(),
                    seconds,
                    c.rollouts(),
                    c.trained(),
                    c.stale(),
                    c.staleRecords(),
                    c.groups(),
                    c.staleFraction(),
                    staleBound(),
                    c.batches(),
                    c.versions(),
                    c.corruptInjected(),
                    c.corruptDeadLettered(),
                    ownExits.size(),
                    zeros,
                    faultsJson);
        }
    }

    /** The settings every service gets: the profile's online DPO with rule labels, streaming, a stable generator id. */
    static Map<String, String> settingInputs(Options options, Path reference) {
        var base = RunProfile.named(options.profile())
                .ruleLabeledStreaming(Tasks.byName("arithmetic"), options.seed(), reference, options.device());
        var overrides = new LinkedHashMap<String, String>();
        overrides.put(GeneratorSettings.GENERATOR_ID.key(), "soak-generator"); // restarts fence the old one
        overrides.put(LabelerSettings.LABELER_ID.key(), "soak-labeler"); // static membership, as for the generator
        overrides.putAll(options.overrides());
        var inputs = new LinkedHashMap<>(RunSettings.derive(base, null, overrides));
        inputs.putAll(overrides);
        return inputs;
    }

    /**
     * Resolves the services' settings with a stand-in π_ref, so that a bad {@code --set} is reported
     * before a broker starts or π_ref is trained.
     *
     * @throws io.prefstream.platform.config.ConfigException naming the setting and the flag
     */
    public static void checkSettings(Options options) {
        ServiceStack.settings(settingInputs(options, Path.of("pi_ref")), null, Map.of());
    }

    /** Runs the soak with everything under {@code workDir}; {@code messages} hears progress lines. */
    public static Result run(Options options, Path workDir, Consumer<String> messages) throws InterruptedException {
        Task task = Tasks.byName("arithmetic");
        RunProfile profile = RunProfile.named(options.profile());
        try (var cluster = EmbeddedKafkaCluster.builder()
                        .size(1)
                        .dataDir(workDir.resolve("kafka"))
                        .start();
                var registry = SchemaRegistryServer.persistent(workDir.resolve("registry"))
                        .start(0)) {
            var common = new CommonConfig(
                    cluster.bootstrapServers(),
                    registry.url(),
                    "prefstream-soak",
                    0,
                    workDir.resolve("data"),
                    2,
                    (short) 1,
                    -1,
                    Map.of());
            var clients = new KafkaClients(common);
            try (var admin = clients.admin()) {
                TopicProvisioner.from(admin, common).ensureAll();
            }
            var prepared = Preparation.run(
                    task,
                    profile,
                    options.seed(),
                    options.cacheDir(),
                    options.device().resolve(),
                    clients,
                    ProgressListener.none(),
                    messages);
            Map<String, String> inputs =
                    settingInputs(options, prepared.reference().checkpoint());
            ResolvedConfig settings = ServiceStack.settings(inputs, null, Map.of());
            ServiceStack.configs(settings, common); // every service's settings checked before anything starts
            long online = Math.round(
                    settings.get(TrainerSettings.BATCH_SIZE) * settings.get(TrainerSettings.ONLINE_FRACTION));
            long budget = settings.get(GeneratorSettings.BUDGET_PER_VERSION);
            long maxStaleness = settings.get(GeneratorSettings.MAX_STALENESS);
            return new Run(options, task, cluster, common, inputs, workDir, messages)
                    .execute(registry.url(), online, budget, maxStaleness);
        }
    }

    /** One soak's moving parts. */
    private static final class Run {
        private final Options options;
        private final Task task;
        private final EmbeddedKafkaCluster cluster;
        private final CommonConfig common;
        private final Map<String, String> inputs;
        private final Path workDir;
        private final Consumer<String> messages;
        private final List<Prompt> tracked;
        private final SoakLedger ledger;
        private SoakAudit audit;
        private CorruptRecords corrupt;
        private TopicProducer producer;
        private PromptProducer prompts;
        private long window;
        private final Map<Service, ServiceProcess> services = new EnumMap<>(Service.class);
        private final List<String> ownExits = new ArrayList<>();
        private final List<Applied> applied = new ArrayList<>();
        private long sent;
        private long fillers;
        private long started;

        Run(
                Options options,
                Task task,
                EmbeddedKafkaCluster cluster,
                CommonConfig common,
                Map<String, String> inputs,
                Path workDir,
                Consumer<String> messages) {
            this.options = options;
            this.task = task;
            this.cluster = cluster;
            this.common = common;
            this.inputs = inputs;
            this.workDir = workDir;
            this.messages = messages;
            this.tracked = PromptProducer.taskPrompts(task, options.prompts(), options.seed() * 1_000_003L);
            this.ledger = new SoakLedger(tracked.stream().map(Prompt::getId).toList());
        }

        /** Feeds, injects, stops the services, reads everything back; {@code budget} is B, the window 2·B. */
        Result execute(String registryUrl, long online, long budget, long maxStaleness) throws InterruptedException {
            var clients = new KafkaClients(common);
            try (var registryClient = SchemaRegistries.forUrl(registryUrl, Map.of());
                    var topicProducer = clients.topicProducer(registryClient);
                    var promptProducer = new PromptProducer(topicProducer, Topics.PROMPTS);
                    var reader = new SoakAudit(clients, registryClient, ledger)) {
                producer = topicProducer;
                prompts = promptProducer;
                audit = reader;
                corrupt = new CorruptRecords(topicProducer, options.seed());
                window = Math.max(4L * CHUNK, 2 * budget); // keeps the generator busy, the prompts topic short
                return soak(online, budget, maxStaleness);
            }
        }

        private Result soak(long online, long budget, long maxStaleness) throws InterruptedException {
            started = System.nanoTime();
            boolean settled = false;
            try {
                for (Service s : List.of(Service.TRAINER, Service.LABELER, Service.GENERATOR)) {
                    services.put(
                            s, ServiceProcess.start(s, null, inputs, common, 0, workDir.resolve(s.command() + ".log")));
                }
                messages.accept("services started as processes (logs in " + workDir + "); feeding " + tracked.size()
                        + " tracked prompts");
                int nextFault = 0;
                Pending pending = null;
                long lastProgress = System.nanoTime();
                long deadline = started + options.timeout().toNanos();
                while (System.nanoTime() < deadline) {
                    Thread.sleep(TICK.toMillis());
                    watchExits();
                    safePoll();
                    feed();
                    if (pending != null && pending.moved()) {
                        applied.set(pending.index, pending.resolved(seconds()));
                        pending = null;
                    }
                    double progress = (double) ledger.accountedPrompts() / ledger.trackedPrompts();
                    if (pending == null
                            && nextFault < SCHEDULE.size()
                            && progress >= SCHEDULE.get(nextFault).at()) {
                        pending = inject(SCHEDULE.get(nextFault).fault(), progress);
                        nextFault++;
                    }
                    if (System.nanoTime() - lastProgress > PROGRESS_EVERY.toNanos()) {
                        lastProgress = System.nanoTime();
                        messages.accept(progressLine(nextFault));
                    }
                    if (nextFault == SCHEDULE.size() && pending == null && ledger.settled()) {
                        settled = true;
                        break;
                    }
                }
                if (pending != null) {
                    applied.set(pending.index, pending.resolved(Double.NaN));
                }
            } finally {
                for (Service s : List.of(Service.GENERATOR, Service.LABELER, Service.TRAINER)) {
                    ServiceProcess p = services.get(s);
                    if (p != null) {
                        p.close();
                    }
                }
            }
            double seconds = seconds();
            messages.accept("services stopped; reading every topic to its end");
            audit.readToEnd(Duration.ofMinutes(2));
            return new Result(
                    options,
                    online,
                    budget,
                    maxStaleness,
                    ledger.counts(),
                    List.copyOf(applied),
                    List.copyOf(ownExits),
                    fillers,
                    seconds,
                    settled);
        }

        private double seconds() {
            return (System.nanoTime() - started) / 1e9;
        }

        /** A service that exited although nobody killed it is a finding: noted, then restarted. */
        private void watchExits() {
            for (ServiceProcess p : services.values()) {
                if (!p.isAlive()) {
                    String why = p.failure().orElse("exited");
                    log.warn("Soak: {}", why);
                    ownExits.add(String.format(Locale.ROOT, "t = %.0f s: %s", seconds(), why));
                    messages.accept("unexpected: " + why + "; restarting it");
                    p.restart();
                }
            }
        }

        private void safePoll() {
            try {
                audit.poll();
            } catch (RuntimeException e) {
                log.info("Soak audit: poll failed ({}); trying again", e.toString());
            }
        }

        /**
         * Keeps about {@code window} prompts ahead of the trainer (sent but not yet trained or stale):
         * a live stream at the pace the loop sustains, tracked prompts first, then fillers.
         */
        private void feed() {
            long accounted = ledger.accountedGroups();
            while (sent - accounted < window) {
                var chunk = new ArrayList<Prompt>();
                while (chunk.size() < CHUNK && sent + chunk.size() < tracked.size()) {
                    chunk.add(tracked.get((int) (sent + chunk.size())));
                }
                if (chunk.isEmpty()) {
                    for (Prompt p :
                            PromptProducer.taskPrompts(task, CHUNK, options.seed() * 1_000_003L + 1 + fillers)) {
                        chunk.add(Prompt.newBuilder(p)
                                .setId("soak-filler-" + (fillers++))
                                .build());
                    }
                }
                prompts.send(chunk);
                sent += chunk.size();
            }
        }

        private Pending inject(Fault fault, double progress) throws InterruptedException {
            messages.accept(String.format(
                    Locale.ROOT,
                    "fault: %s at %.0f %% of tracked prompts trained or stale",
                    fault.label,
                    100 * progress));
            double at = seconds();
            applied.add(new Applied(fault, progress, at, Double.NaN));
            int index = applied.size() - 1;
            switch (fault) {
                case CORRUPT_RECORDS -> {
                    int n = corrupt.send(producer, ledger);
                    messages.accept("  sent " + n + " corrupt records to " + CorruptRecords.TARGETS.size() + " topics");
                    applied.set(index, new Applied(fault, progress, at, 0));
                    return null;
                }
                case KILL_GENERATOR -> {
                    return killAndRestart(Service.GENERATOR, index, ledger::groups);
                }
                case KILL_TRAINER -> {
                    return killAndRestart(Service.TRAINER, index, ledger::latestVersion);
                }
                case KILL_LABELER -> {
                    return killAndRestart(Service.LABELER, index, ledger::labeledRecords);
                }
                case BROKER_RESTART -> {
                    cluster.kill(1);
                    long until = System.nanoTime() + options.brokerDown().toNanos();
                    while (System.nanoTime() < until) {
                        Thread.sleep(TICK.toMillis());
                        watchExits();
                    }
                    cluster.restart(1);
                    messages.accept(
                            "  broker back after " + options.brokerDown().toSeconds() + " s down");
                    safePoll();
                    long before = ledger.latestVersion(); // publishing resumes with the broker
                    return new Pending(index, at, () -> ledger.latestVersion() > before);
                }
                default -> throw new IllegalStateException(fault.name());
            }
        }

        private Pending killAndRestart(Service service, int index, LongSupplier work) throws InterruptedException {
            ServiceProcess p = services.get(service);
            p.kill();
            Thread.sleep(1000); // what the killed process committed becomes readable
            safePoll();
            long before = work.getAsLong(); // progress from here on is the restarted process's
            p.restart();
            return new Pending(index, applied.get(index).atSeconds(), () -> work.getAsLong() > before);
        }

        private String progressLine(int faultsDone) {
            return String.format(
                    Locale.ROOT,
                    "t %4.0f s | tracked prompts sampled %d, trained or stale %d of %d (+%d filler) | batches through %d"
                            + " | policy v%d | stale %d | faults %d/%d",
                    seconds(),
                    ledger.sampledPrompts(),
                    ledger.accountedPrompts(),
                    ledger.trackedPrompts(),
                    fillers,
                    ledger.trainedThrough(),
                    ledger.latestVersion(),
                    ledger.staleRecords(),
                    faultsDone,
                    SCHEDULE.size());
        }

        /** A fault whose recovery is being timed: done once {@code moved} holds. */
        private final class Pending {
            final int index;
            final double at;
            final java.util.function.BooleanSupplier moved;

            Pending(int index, double at, java.util.function.BooleanSupplier moved) {
                this.index = index;
                this.at = at;
                this.moved = moved;
            }

            boolean moved() {
                return moved.getAsBoolean();
            }

            Applied resolved(double now) {
                var a = applied.get(index);
                return new Applied(a.fault(), a.progress(), a.atSeconds(), Double.isNaN(now) ? Double.NaN : now - at);
            }
        }
    }
}
