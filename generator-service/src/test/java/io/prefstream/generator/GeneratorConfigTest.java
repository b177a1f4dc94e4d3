package io.prefstream.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prefstream.model.DeviceSetting;
import io.prefstream.platform.config.ConfigException;
import io.prefstream.platform.config.ConfigLoader;
import io.prefstream.platform.config.LoopMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GeneratorConfigTest {

    @Test
    void defaults() {
        var c = GeneratorConfig.fromValues(Map.of("service.id", "gen"));
        assertEquals("prefstream-generator", c.groupId());
        assertEquals("policy", c.policy());
        assertEquals(LoopMode.STREAMING, c.mode());
        assertEquals(16, c.batchSize());
        assertEquals(Duration.ofMillis(50), c.maxWait());
        assertEquals(4, c.samplesPerPrompt());
        assertEquals(1.0, c.temperature());
        assertEquals(8, c.maxNewTokens());
        assertEquals(256, c.budgetPerVersion());
        assertEquals(1, c.maxStaleness());
        assertEquals(1024, c.maxTrainerLag());
        assertEquals("prefstream-batcher", c.trainerGroup());
        assertEquals(List.of("prefstream.preferences", "prefstream.rollouts"), c.trainerLagTopics());
        assertEquals(Optional.empty(), c.initialPolicy());
        assertEquals(DeviceSetting.AUTO, c.device());
        assertEquals(GeneratorTopics.standard(), c.topics());
        assertTrue(c.generatorId().startsWith("gen-"), c.generatorId());
    }

    @Test
    void environmentAndFlagsOverrideDefaults() {
        var resolved = ConfigLoader.forSettings(GeneratorSettings.ALL)
                .withEnv(Map.of("PREFSTREAM_GENERATOR_BATCH_SIZE", "32", "PREFSTREAM_GENERATOR_MODE", "iterative"))
                .withOverrides(Map.of("generator.initial-policy", "/ckpt/v0", "generator.id", "g1"))
                .load();
        var c = GeneratorConfig.from(resolved);
        assertEquals(32, c.batchSize());
        assertEquals(LoopMode.ITERATIVE, c.mode());
        assertEquals(Optional.of(Path.of("/ckpt/v0")), c.initialPolicy());
        assertEquals("g1", c.generatorId());
    }

    @Test
    void iterativeModeNeedsABudget() {
        var e = assertThrows(
                ConfigException.class,
                () -> GeneratorConfig.fromValues(
                        Map.of("generator.mode", "iterative", "generator.budget-per-version", "0")));
        assertEquals("generator.budget-per-version", e.key());
        assertTrue(
                e.getMessage()
                        .startsWith("Invalid value '0' for generator.budget-per-version (env "
                                + "PREFSTREAM_GENERATOR_BUDGET_PER_VERSION): expected a positive number of rollouts when "
                                + "generator.mode=iterative"),
                e.getMessage());
    }

    @Test
    void outOfRangeValuesNameKeySourceAndWhatIsAllowed() {
        var e = assertThrows(
                ConfigException.class, () -> GeneratorConfig.fromValues(Map.of("generator.batch-size", "0")));
        assertEquals(
                "Invalid value '0' for generator.batch-size (from flag --generator.batch-size): expected an "
                        + "integer in [1, 4096].",
                e.getMessage());
        var p = assertThrows(ConfigException.class, () -> GeneratorConfig.fromValues(Map.of("generator.top-p", "0")));
        assertEquals(
                "Invalid value '0' for generator.top-p (from flag --generator.top-p): expected a number in "
                        + "(0, 1].",
                p.getMessage());
        var m = assertThrows(ConfigException.class, () -> GeneratorConfig.fromValues(Map.of("generator.mode", "fast")));
        assertTrue(m.getMessage().contains("expected one of streaming, iterative"), m.getMessage());
    }

    @Test
    void aGeneratorWithAStableIdIsAStaticMemberWithAShortSession() {
        var stable = GeneratorConfig.fromValues(Map.of("service.id", "gen", "generator.id", "gen-0"));
        var defaults = GeneratorService.consumerDefaults(stable);
        assertEquals("gen-0", defaults.get(org.apache.kafka.clients.consumer.ConsumerConfig.GROUP_INSTANCE_ID_CONFIG));
        assertEquals(10_000, defaults.get(org.apache.kafka.clients.consumer.ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG));

        var perProcess = GeneratorConfig.fromValues(Map.of("service.id", "gen"));
        var auto = GeneratorService.consumerDefaults(perProcess);
        assertEquals(
                null,
                auto.get(org.apache.kafka.clients.consumer.ConsumerConfig.GROUP_INSTANCE_ID_CONFIG),
                "the default id changes with every process: no static membership");
        assertEquals(10_000, auto.get(org.apache.kafka.clients.consumer.ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG));
    }
}
