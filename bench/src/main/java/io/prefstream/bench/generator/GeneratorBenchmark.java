package io.prefstream.bench.generator;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.micrometer.core.instrument.Timer;
import io.prefstream.generator.GeneratorConfig;
import io.prefstream.generator.GeneratorService;
import io.prefstream.generator.GeneratorSettings;
import io.prefstream.generator.GeneratorStatus;
import io.prefstream.generator.PromptProducer;
import io.prefstream.generator.PromptTokens;
import io.prefstream.generator.RolloutSampler;
import io.prefstream.generator.ServingPolicy;
import io.prefstream.model.DeviceSetting;
import io.prefstream.model.LmConfig;
import io.prefstream.model.checkpoint.Checkpoints;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.tokenizer.Tokenizers;
import io.prefstream.platform.config.CommonSettings;
import io.prefstream.platform.config.LoopMode;
import io.prefstream.platform.kafka.EmbeddedKafka;
import io.prefstream.platform.kafka.KafkaClients;
import io.prefstream.platform.kafka.TopicReader;
import io.prefstream.schemas.Prompt;
import io.prefstream.schemas.Rollout;
import io.prefstream.schemas.registry.SchemaRegistries;
import io.prefstream.schemas.registry.SchemaRegistryClient;
import io.prefstream.schemas.topics.TopicCodec;
import io.prefstream.schemas.topics.Topics;
import io.prefstream.tasks.Task;
import io.prefstream.tasks.Tasks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * Rollouts/s and tokens/s of the real {@link GeneratorService} on an embedded Kafka broker versus
 * the same sampling ({@link RolloutSampler}, same checkpoint, batch size, K, per-prompt seeds)
 * called directly in-process, measured side by side in one run.
 *
 * <p>Kafka path: the prompts are produced in one burst after a warm-up; the clock runs from the
 * first send to the moment a plain consumer has read every rollout back, so it includes producing,
 * polling, micro-batching, Avro encoding, the acknowledged produce, offset commits and the read.
 * In-process path: the same prompts in consecutive micro-batches of B, clock around the sampling
 * loop. Each of {@code rounds} rounds measures both on fresh prompt ids; the best round of each is
 * reported. Because seeds are per prompt, both paths sample the same completions: the number of
 * rollouts with identical tokens is reported as a check that the work compared is the same.
 * {@code ratio = Kafka rollouts/s ÷ in-process rollouts/s} of the best rounds (target ≥ 0.9); also
 * the median of per-round ratios (the paths run back to back, so it resists load drifting between
 * rounds) and the pipeline overhead {@code 1 − (time the service spent sampling and encoding) ÷
 * (Kafka wall time)}, the part of the gap Kafka itself causes. The rest of any gap is the broker and
 * clients, which run in this JVM, competing with PyTorch's threads for the CPU; on a small machine
 * {@code -Dai.djl.pytorch.num_threads=1} reduces that interference.
 */
public final class GeneratorBenchmark {

    /**
     * @param config           model shape (random weights; sampling cost does not depend on training)
     * @param prompts          prompts per round and path
     * @param warmupPrompts    prompts sampled before timing (JIT, allocator, consumer group join)
     * @param batchSize        B, prompts per micro-batch
     * @param samplesPerPrompt K
     * @param maxNewTokens     response token limit
     * @param rounds           measured rounds; the best of each path is reported
     * @param seed             model init and generator seed
     * @param device           auto, cpu or gpu
     */
    public record Options(
            LmConfig config,
            int prompts,
            int warmupPrompts,
            int batchSize,
            int samplesPerPrompt,
            int maxNewTokens,
            int rounds,
            long seed,
            DeviceSetting device) {

        public Options {
            if (prompts < 1
                    || warmupPrompts < 0
                    || batchSize < 1
                    || samplesPerPrompt < 1
                    || maxNewTokens < 1
                    || rounds < 1) {
                throw new IllegalArgumentException("benchmark needs prompts, batch size, K, max new tokens and rounds "
                        + ">= 1 and warm-up >= 0, found " + prompts + ", " + batchSize + ", " + samplesPerPrompt + ", "
                        + maxNewTokens + ", " + rounds + ", " + warmupPrompts);
            }
        }

        /**
         * The arithmetic model with another width C and depth: 4 heads, feed-forward 4C, the
         * arithmetic vocabulary and context. Sampling cost grows with the model while the Kafka
         * path's cost per rollout does not, so this shows how the ratio depends on model size.
         */
        public static LmConfig modelShape(int dModel, int layers) {
            var base = defaults().config();
            return new LmConfig(base.vocabSize(), dModel, layers, base.nHeads(), 4 * dModel, base.maxSeqLen());
        }

        /**
         * The arithmetic model shape, 1024 prompts, 4096 warm-up prompts, B = 16, K = 4, 8 new tokens,
         * 5 rounds. The warm-up is long because the broker runs in this JVM: until the JIT has compiled
         * its request path, each micro-batch's produce, fetch and commit cost milliseconds of CPU
         * (measured: the JVM kept 1.54 cores busy on the Kafka path after 128 warm-up prompts, 1.41
         * after 4096), which a long-running broker does not pay.
         */
        public static Options defaults() {
            var task = arithmetic();
            return new Options(
                    LmConfig.arithmetic(Tokenizers.forSpec(task.tokenizerSpec()).vocabSize()),
                    1024,
                    4096,
                    16,
                    4,
                    8,
                    5,
                    0,
                    DeviceSetting.AUTO);
        }
    }

    /**
     * Figures of one path in one round.
     *
     * @param samplingSeconds time spent inside the sampler (for the Kafka path, as the service's own
     *                        sampling timer saw it); {@code seconds − samplingSeconds} is the pipeline's overhead
     * @param samplerCpuSeconds CPU time of the sampling thread (the caller's thread in-process, the
     *                        service's generator thread via Kafka) over {@code seconds}
     * @param processCpuSeconds CPU time of the whole JVM (broker and clients included) over {@code seconds}
     */
    public record Throughput(
            int rollouts,
            long tokens,
            double seconds,
            double samplingSeconds,
            double samplerCpuSeconds,
            double processCpuSeconds) {
        public double rolloutsPerSecond() {
            return rollouts / seconds;
        }

        public double tokensPerSecond() {
            return tokens / seconds;
        }

        /** Share of the wall time the sampling thread was on a CPU. */
        public double samplerCpuShare() {
            return samplerCpuSeconds / seconds;
        }

        /** Mean number of cores the JVM kept busy. */
        public double processCores() {
            return processCpuSeconds / seconds;
        }
    }

    /**
     * @param device           where the policy ran
     * @param parameters       policy parameter count
     * @param options          the setup
     * @param inProcess        best in-process round
     * @param kafka            best Kafka round
     * @param identical        rollouts (of the compared rounds) whose K completions have identical tokens on both paths
     * @param compared         rollouts compared
     * @param meanBatchFill    mean micro-batch fill of the service over all rounds (prompts ÷ B)
     * @param roundRatios      per round, Kafka ÷ in-process rollouts/s of that round (the two paths
     *                         run back to back, so this is robust to load that drifts between rounds)
     */
    public record Result(
            String device,
            long parameters,
            Options options,
            Throughput inProcess,
            Throughput kafka,
            int identical,
            int compared,
            double meanBatchFill,
            List<Double> roundRatios) {

        public Result {
            roundRatios = List.copyOf(roundRatios);
        }

        /** Median of {@link #roundRatios}. */
        public double medianRoundRatio() {
            var sorted = roundRatios.stream().sorted().toList();
            int n = sorted.size();
            return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        }

        /** Share of the Kafka path's wall time not spent sampling in the service: the pipeline's own overhead. */
        public double pipelineOverhead() {
            return 1 - kafka.samplingSeconds() / kafka.seconds();
        }

        public double ratio() {
            return kafka.rolloutsPerSecond() / inProcess.rolloutsPerSecond();
        }

        public double tokensRatio() {
            return kafka.tokensPerSecond() / inProcess.tokensPerSecond();
        }

        /** One JSON object on one line. */
        public String toJson() {
            return String.format(
                    Locale.ROOT,
                    "{\"benchmark\":\"generator\",\"device\":\"%s\",\"parameters\":%d,"
                            + "\"prompts\":%d,\"batch_size\":%d,\"samples_per_prompt\":%d,\"max_new_tokens\":%d,"
                            + "\"in_process\":%s,\"kafka\":%s,"
                            + "\"ratio\":%.3f,\"tokens_ratio\":%.3f,\"identical_rollouts\":%d,\"compared_rollouts\":%d,"
                            + "\"mean_batch_fill\":%.3f,\"median_round_ratio\":%.3f,\"round_ratios\":%s,"
                            + "\"pipeline_overhead\":%.3f}",
                    device,
                    parameters,
                    options.prompts(),
                    options.batchSize(),
                    options.samplesPerPrompt(),
                    options.maxNewTokens(),
                    json(inProcess),
                    json(kafka),
                    ratio(),
                    tokensRatio(),
                    identical,
                    compared,
                    meanBatchFill,
                    medianRoundRatio(),
                    roundRatios.stream()
                            .map(r -> String.format(Locale.ROOT, "%.3f", r))
                            .toList()
                            .toString()
                            .replace(" ", ""),
                    pipelineOverhead());
        }

        private static String json(Throughput t) {
            return String.format(
                    Locale.ROOT,
                    "{\"rollouts_per_s\":%.1f,\"tokens_per_s\":%.1f,\"seconds\":%.3f,"
                            + "\"sampling_seconds\":%.3f,\"sampler_cpu_share\":%.3f,\"process_cores\":%.3f}",
                    t.rolloutsPerSecond(),
                    t.tokensPerSecond(),
                    t.seconds(),
                    t.samplingSeconds(),
                    t.samplerCpuShare(),
                    t.processCores());
        }

        /** A few lines for a terminal. */
        public String toText() {
            return String.format(
                    Locale.ROOT,
                    "generator benchmark on %s, %,d parameters: %d prompts, B=%d, K=%d, "
                            + "max %d new tokens%n"
                            + "  in-process : %8.1f rollouts/s %10.1f tokens/s  (%.3f s, %.3f s sampling; sampler on CPU "
                            + "%.0f%% of the time, JVM busy %.2f cores)%n"
                            + "  via Kafka  : %8.1f rollouts/s %10.1f tokens/s  (%.3f s, %.3f s sampling in the service; "
                            + "sampler on CPU %.0f%% of the time, JVM busy %.2f cores; mean batch fill %.2f)%n"
                            + "  ratio      : %.3f (rollouts/s), %.3f (tokens/s); median per-round %.3f; "
                            + "pipeline overhead %.1f%%; identical rollouts %d/%d",
                    device,
                    parameters,
                    options.prompts(),
                    options.batchSize(),
                    options.samplesPerPrompt(),
                    options.maxNewTokens(),
                    inProcess.rolloutsPerSecond(),
                    inProcess.tokensPerSecond(),
                    inProcess.seconds(),
                    inProcess.samplingSeconds(),
                    100 * inProcess.samplerCpuShare(),
                    inProcess.processCores(),
                    kafka.rolloutsPerSecond(),
                    kafka.tokensPerSecond(),
                    kafka.seconds(),
                    kafka.samplingSeconds(),
                    100 * kafka.samplerCpuShare(),
                    kafka.processCores(),
                    meanBatchFill,
                    ratio(),
                    tokensRatio(),
                    medianRoundRatio(),
                    100 * pipelineOverhead(),
                    identical,
                    compared);
        }
    }

    private static final Duration READ_TIMEOUT = Duration.ofMinutes(10);

    private GeneratorBenchmark() {}

    public static Result run(Options options) {
        Path work = tempDir();
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            Path checkpoint = work.resolve("policy");
            var tokenizer = Tokenizers.forSpec(arithmetic().tokenizerSpec());
            try (CausalLm init = CausalLm.create(options.config(), tokenizer, ai.djl.Device.cpu(), options.seed())) {
                Checkpoints.save(checkpoint, init);
            }
            var config = GeneratorConfig.fromValues(settings(options, kafka.bootstrapServers(), checkpoint));
            var policy = new ServingPolicy(
                    0,
                    Checkpoints.loadPolicy(checkpoint, options.device().resolve()),
                    Checkpoints.readManifest(checkpoint).weightsSha256(),
                    checkpoint.toString());
            try (policy;
                    var service = new GeneratorService(config).start();
                    var producer = PromptProducer.create(config.common());
                    var reader = new RolloutReader(config)) {
                var sampler = RolloutSampler.of(config);
                Timer samplingTimer =
                        service.registry().get("prefstream.generator.sampling").timer();
                Thread generatorThread = thread("prefstream-generator-" + config.generatorId());
                var warmup = prompts("warmup", options.warmupPrompts(), options.seed());
                inProcess(sampler, policy, warmup, options);
                kafka(producer, reader, samplingTimer, generatorThread, warmup);
                Throughput bestLocal = null;
                Throughput bestKafka = null;
                int identical = 0;
                int compared = 0;
                var roundRatios = new ArrayList<Double>();
                for (int round = 0; round < options.rounds(); round++) {
                    var batch = prompts("round" + round, options.prompts(), options.seed() + 1 + round);
                    var local = inProcess(sampler, policy, batch, options);
                    var viaKafka = kafka(producer, reader, samplingTimer, generatorThread, batch);
                    roundRatios.add(viaKafka.throughput().rolloutsPerSecond()
                            / local.throughput().rolloutsPerSecond());
                    for (var entry : local.rollouts().entrySet()) {
                        compared++;
                        if (sameTokens(entry.getValue(), viaKafka.rollouts().get(entry.getKey()))) {
                            identical++;
                        }
                    }
                    if (bestLocal == null || local.throughput().rolloutsPerSecond() > bestLocal.rolloutsPerSecond()) {
                        bestLocal = local.throughput();
                    }
                    if (bestKafka == null
                            || viaKafka.throughput().rolloutsPerSecond() > bestKafka.rolloutsPerSecond()) {
                        bestKafka = viaKafka.throughput();
                    }
                }
                GeneratorStatus status = service.status();
                if (status.rollouts() != (long) options.warmupPrompts() + (long) options.rounds() * options.prompts()) {
                    throw new IllegalStateException("the service produced " + status.rollouts() + " rollouts, expected "
                            + (options.warmupPrompts() + options.rounds() * options.prompts()));
                }
                var fill = service.registry()
                        .find("prefstream.generator.batch.fill")
                        .summary();
                double meanFill = fill == null ? Double.NaN : fill.mean();
                return new Result(
                        policy.model().device().toString(),
                        policy.model().parameters().parameterCount(),
                        options,
                        bestLocal,
                        bestKafka,
                        identical,
                        compared,
                        meanFill,
                        roundRatios);
            }
        } finally {
            deleteRecursively(work);
        }
    }

    private static Map<String, String> settings(Options options, String bootstrap, Path checkpoint) {
        var m = new HashMap<String, String>();
        m.put(CommonSettings.BOOTSTRAP_SERVERS.key(), bootstrap);
        m.put(CommonSettings.SCHEMA_REGISTRY_URL.key(), "mock://bench-generator");
        m.put(CommonSettings.TOPIC_PARTITIONS.key(), "1");
        m.put(GeneratorSettings.GENERATOR_ID.key(), "bench");
        m.put(GeneratorSettings.BATCH_SIZE.key(), Integer.toString(options.batchSize()));
        m.put(GeneratorSettings.MAX_WAIT_MS.key(), "10");
        m.put(GeneratorSettings.SAMPLES_PER_PROMPT.key(), Integer.toString(options.samplesPerPrompt()));
        m.put(GeneratorSettings.MAX_NEW_TOKENS.key(), Integer.toString(options.maxNewTokens()));
        m.put(GeneratorSettings.SEED.key(), Long.toString(options.seed()));
        m.put(GeneratorSettings.MODE.key(), GeneratorSettings.MODE.format(LoopMode.STREAMING));
        m.put(GeneratorSettings.BUDGET_PER_VERSION.key(), "0");
        m.put(GeneratorSettings.MAX_TRAINER_LAG.key(), "0");
        m.put(GeneratorSettings.INITIAL_POLICY.key(), checkpoint.toString());
        m.put(GeneratorSettings.DEVICE.key(), options.device().toString());
        return m;
    }

    private static Task arithmetic() {
        return Tasks.byName("arithmetic");
    }

    private static List<Prompt> prompts(String round, int n, long seed) {
        var out = new ArrayList<Prompt>(n);
        for (Prompt p : PromptProducer.taskPrompts(arithmetic(), n, seed)) {
            out.add(Prompt.newBuilder(p).setId(round + "-" + p.getId()).build());
        }
        return out;
    }

    private record Measured(Throughput throughput, Map<String, Rollout> rollouts) {}

    private static Measured inProcess(
            RolloutSampler sampler, ServingPolicy policy, List<Prompt> prompts, Options options) {
        var model = policy.model();
        var inputs = new ArrayList<RolloutSampler.Input>(prompts.size());
        long now = System.nanoTime();
        for (Prompt p : prompts) {
            try {
                inputs.add(new RolloutSampler.Input(
                        p, PromptTokens.encode(p, model.tokenizer(), model.config(), options.maxNewTokens()), now));
            } catch (io.prefstream.generator.InvalidPromptException e) {
                throw new IllegalStateException(
                        "benchmark prompt " + p.getId() + " does not fit: " + e.getMessage(), e);
            }
        }
        var rollouts = new HashMap<String, Rollout>();
        long tokens = 0;
        var cpu = CpuClock.start(Thread.currentThread());
        long start = System.nanoTime();
        for (int from = 0; from < inputs.size(); from += options.batchSize()) {
            var batch = inputs.subList(from, Math.min(inputs.size(), from + options.batchSize()));
            for (Rollout r : sampler.sample(policy, batch)) {
                rollouts.put(r.getPrompt().getId(), r);
                tokens += tokens(r);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Measured(
                new Throughput(rollouts.size(), tokens, seconds, seconds, cpu.threadSeconds(), cpu.processSeconds()),
                rollouts);
    }

    private static Measured kafka(
            PromptProducer producer,
            RolloutReader reader,
            Timer sampling,
            Thread generatorThread,
            List<Prompt> prompts) {
        double samplingBefore = sampling.totalTime(TimeUnit.NANOSECONDS);
        var cpu = CpuClock.start(generatorThread);
        long start = System.nanoTime();
        producer.send(prompts);
        var records = reader.read(prompts.size());
        double seconds = (System.nanoTime() - start) / 1e9;
        double samplerCpu = cpu.threadSeconds();
        double processCpu = cpu.processSeconds();
        Map<String, Rollout> rollouts = reader.decode(records); // for the identical-tokens check, off the clock
        double samplingSeconds = (sampling.totalTime(TimeUnit.NANOSECONDS) - samplingBefore) / 1e9;
        long tokens =
                rollouts.values().stream().mapToLong(GeneratorBenchmark::tokens).sum();
        return new Measured(
                new Throughput(rollouts.size(), tokens, seconds, samplingSeconds, samplerCpu, processCpu), rollouts);
    }

    private static Thread thread(String name) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals(name))
                .findFirst()
                .orElseThrow(
                        () -> new IllegalStateException("no thread named " + name + "; was the generator renamed?"));
    }

    /** CPU time of one thread and of the whole JVM since {@link #start}. */
    private record CpuClock(Thread thread, long threadStart, long processStart) {
        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

        static CpuClock start(Thread thread) {
            return new CpuClock(thread, THREADS.getThreadCpuTime(thread.getId()), processCpuNanos());
        }

        double threadSeconds() {
            return (THREADS.getThreadCpuTime(thread.getId()) - threadStart) / 1e9;
        }

        double processSeconds() {
            long now = processCpuNanos();
            return now == Long.MIN_VALUE || processStart == Long.MIN_VALUE ? Double.NaN : (now - processStart) / 1e9;
        }

        private static long processCpuNanos() {
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
                return os.getProcessCpuTime();
            }
            return Long.MIN_VALUE; // unsupported: processSeconds() turns it into NaN
        }
    }

    private static long tokens(Rollout r) {
        return r.getCompletions().stream().mapToLong(c -> c.getLength()).sum();
    }

    private static boolean sameTokens(Rollout a, Rollout b) {
        if (b == null || a.getCompletions().size() != b.getCompletions().size()) {
            return false;
        }
        for (int j = 0; j < a.getCompletions().size(); j++) {
            if (!a.getCompletions()
                    .get(j)
                    .getTokenIds()
                    .equals(b.getCompletions().get(j).getTokenIds())) {
                return false;
            }
        }
        return true;
    }

    /** Reads the rollouts topic from the start, without a group, continuing where the last read stopped. */
    private static final class RolloutReader implements AutoCloseable {
        private final TopicReader reader;
        private final SchemaRegistryClient registry;
        private final TopicCodec<Rollout> rollouts;

        RolloutReader(GeneratorConfig config) {
            reader = TopicReader.open(
                    new KafkaClients(config.common()),
                    Topics.ROLLOUTS.name(),
                    Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000));
            registry = SchemaRegistries.forUrl(config.common().schemaRegistryUrl(), Map.of());
            rollouts = Topics.ROLLOUTS.codec(registry);
        }

        /** Reads the next {@code n} distinct rollout records (by key), undecoded. */
        Map<String, byte[]> read(int n) {
            var out = new HashMap<String, byte[]>();
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (out.size() < n) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("read " + out.size() + " of " + n + " rollouts in "
                            + READ_TIMEOUT.toMinutes() + " min; is the generator running?");
                }
                for (var record : reader.poll(Duration.ofMillis(100))) {
                    out.put(new String(record.key(), UTF_8), record.value());
                }
            }
            return out;
        }

        Map<String, Rollout> decode(Map<String, byte[]> records) {
            var out = new HashMap<String, Rollout>();
            records.forEach((key, value) -> out.put(key, rollouts.decode(value)));
            return out;
        }

        @Override
        public void close() {
            reader.close();
            registry.close();
        }
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("prefstream-bench-generator-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory", e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }

    /** {@code [--json] [--prompts N] [--batch-size B] [--samples K] [--max-new-tokens N] [--rounds R] [--warmup N] [--d-model C] [--layers L] [--device auto|cpu|gpu]}. */
    public static void main(String[] args) {
        var d = Options.defaults();
        boolean json = false;
        int prompts = d.prompts();
        int batch = d.batchSize();
        int k = d.samplesPerPrompt();
        int maxNew = d.maxNewTokens();
        int rounds = d.rounds();
        int warmup = d.warmupPrompts();
        int dModel = d.config().dModel();
        int layers = d.config().nLayers();
        DeviceSetting device = d.device();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--json" -> json = true;
                case "--prompts" -> prompts = Integer.parseInt(value(args, ++i));
                case "--batch-size" -> batch = Integer.parseInt(value(args, ++i));
                case "--samples" -> k = Integer.parseInt(value(args, ++i));
                case "--max-new-tokens" -> maxNew = Integer.parseInt(value(args, ++i));
                case "--rounds" -> rounds = Integer.parseInt(value(args, ++i));
                case "--warmup" -> warmup = Integer.parseInt(value(args, ++i));
                case "--d-model" -> dModel = Integer.parseInt(value(args, ++i));
                case "--layers" -> layers = Integer.parseInt(value(args, ++i));
                case "--device" -> device = DeviceSetting.parse(value(args, ++i));
                default ->
                    throw new IllegalArgumentException(
                            "unknown option '" + args[i] + "'; expected --json, "
                                    + "--prompts, --batch-size, --samples, --max-new-tokens, --rounds, --warmup, --d-model, --layers or --device");
            }
        }
        var result = run(new Options(
                Options.modelShape(dModel, layers), prompts, warmup, batch, k, maxNew, rounds, d.seed(), device));
        System.out.println(json ? result.toJson() : result.toText());
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException("option " + args[i - 1] + " needs a value");
        }
        return args[i];
    }
}
