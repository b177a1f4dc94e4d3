package io.prefstream.launcher.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.prefstream.generator.GeneratorSettings;
import io.prefstream.generator.PromptProducer;
import io.prefstream.model.LmConfig;
import io.prefstream.model.checkpoint.Checkpoints;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.tokenizer.CharTokenizer;
import io.prefstream.platform.kafka.TopicReader;
import io.prefstream.platform.topics.TopicProvisioner;
import io.prefstream.schemas.Prompt;
import io.prefstream.schemas.Rollout;
import io.prefstream.schemas.registry.SchemaRegistries;
import io.prefstream.schemas.topics.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, item 2: a generator killed (SIGKILL) mid-stream and restarted, three times, leaves
 * exactly one rollout per prompt for {@code read_committed} readers (every Prefstream service):
 * rollouts commit in one transaction with their prompts' offsets, so a prompt read again after a
 * crash was never visible as sampled. Before, 10 kills left 960 extra rollouts.
 */
class GeneratorCrashTest {

    private static final int PROMPTS = 240;
    private static final int KILLS = 3;

    @TempDir
    Path dir;

    @Test
    void killedGeneratorsLeaveExactlyOneRolloutPerPrompt() throws Exception {
        try (var stack = EmbeddedStack.start(dir.resolve("stack"), 0, 0, 2)) {
            try (var admin = stack.clients().admin()) {
                TopicProvisioner.from(admin, stack.config()).ensureAll();
            }
            var tokenizer = new CharTokenizer("0123456789+=");
            Path policy = dir.resolve("policy");
            try (CausalLm lm = CausalLm.create(LmConfig.tiny(tokenizer.vocabSize()), tokenizer, Device.cpu(), 3)) {
                Checkpoints.save(policy, lm);
            }
            var prompts = new ArrayList<Prompt>();
            for (int i = 0; i < PROMPTS; i++) {
                prompts.add(Prompt.newBuilder()
                        .setId("crash-" + i)
                        .setTask("arithmetic")
                        .setText(i % 10 + "+" + i % 7 + "=")
                        .setTokenIds(null)
                        .setMetadata(Map.of())
                        .setCreatedAtMs(0L)
                        .build());
            }
            try (var producer = PromptProducer.create(stack.config())) {
                producer.send(prompts);
            }
            var settings = new HashMap<String, String>();
            settings.put(GeneratorSettings.INITIAL_POLICY.key(), policy.toString());
            settings.put(GeneratorSettings.GENERATOR_ID.key(), "crash-gen"); // stable: restarts fence the old one
            settings.put(GeneratorSettings.BATCH_SIZE.key(), "4");
            settings.put(GeneratorSettings.SAMPLES_PER_PROMPT.key(), "2");
            settings.put(GeneratorSettings.MAX_NEW_TOKENS.key(), "4");
            settings.put(GeneratorSettings.COMMIT_INTERVAL_MS.key(), "300");
            settings.put(GeneratorSettings.DEVICE.key(), "cpu");
            Path log = dir.resolve("generator.log");
            for (int kill = 0; kill < KILLS; kill++) {
                var generator = ServiceProcess.startGenerator(null, settings, stack.config(), 0, log);
                awaitSampled(stack, generator, log, writtenSoFar(stack) + PROMPTS / (KILLS + 2));
                generator.kill(); // mid-stream: sends in flight, a transaction open, offsets uncommitted
            }
            var last = ServiceProcess.startGenerator(null, settings, stack.config(), 0, log);
            try {
                long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
                while (committedRollouts(stack).size() < PROMPTS) {
                    assertTrue(System.nanoTime() < deadline, "not every prompt sampled; log " + tail(log));
                    assertTrue(last.failure().isEmpty(), () -> last.failure().orElse(""));
                    Thread.sleep(500);
                }
            } finally {
                last.close();
            }
            Map<String, Integer> perPrompt = new TreeMap<>();
            for (Rollout r : committedRollouts(stack)) {
                perPrompt.merge(r.getPrompt().getId(), 1, Integer::sum);
            }
            assertEquals(PROMPTS, perPrompt.size(), "every prompt sampled");
            var duplicated =
                    perPrompt.entrySet().stream().filter(e -> e.getValue() > 1).toList();
            assertEquals(List.of(), duplicated, "prompts with more than one rollout group after " + KILLS + " kills");
        }
    }

    /** Waits until at least {@code rollouts} rollout records were written, committed or not. */
    private static void awaitSampled(EmbeddedStack stack, ServiceProcess generator, Path log, long rollouts)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (writtenSoFar(stack) < rollouts) {
            assertTrue(generator.failure().isEmpty(), () -> generator.failure().orElse(""));
            assertTrue(System.nanoTime() < deadline, "generator made no progress; log " + tail(log));
            Thread.sleep(50);
        }
    }

    /** Rollout records written so far, in open and aborted transactions too. */
    private static long writtenSoFar(EmbeddedStack stack) {
        try (var reader = TopicReader.open(
                stack.clients(),
                Topics.ROLLOUTS.name(),
                Map.of(org.apache.kafka.clients.consumer.ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted"))) {
            return reader.endOffsets().values().stream()
                    .mapToLong(Long::longValue)
                    .sum();
        }
    }

    private static List<Rollout> committedRollouts(EmbeddedStack stack) {
        var out = new ArrayList<Rollout>();
        try (var registry = SchemaRegistries.forUrl(stack.registryUrl(), Map.of())) {
            var codec = Topics.ROLLOUTS.codec(registry);
            TopicReader.readToEnd(
                    stack.clients(), Topics.ROLLOUTS.name(), Duration.ofSeconds(60), r -> out.add(codec.decode(r)));
        }
        return out;
    }

    private static String tail(Path log) {
        try {
            String s = Files.readString(log);
            return s.substring(Math.max(0, s.length() - 3000));
        } catch (Exception e) {
            return "(no log: " + e + ")";
        }
    }
}
