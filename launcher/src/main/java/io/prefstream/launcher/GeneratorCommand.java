package io.prefstream.launcher;

import io.prefstream.generator.GeneratorConfig;
import io.prefstream.generator.GeneratorService;
import io.prefstream.generator.GeneratorSettings;
import io.prefstream.platform.config.ResolvedConfig;
import io.prefstream.platform.config.SettingSet;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code prefstream generator}: one generator instance against an external cluster. */
@Command(
        name = "generator",
        mixinStandardHelpOptions = true,
        header = "Run a generator against an external Kafka (prompts -> rollouts).",
        showDefaultValues = true,
        description = {
            "Run one generator against an external Kafka and Schema Registry: prompts ->",
            "K sampled completions per prompt -> rollouts, following policy updates.",
            "Scale out by starting more instances with the same generator.group-id."
        })
public final class GeneratorCommand extends ServiceCommand {

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            mapFallbackValue = "",
            description = "Override one setting (repeatable), e.g. --set generator.batch-size=32." + SET_HELP)
    Map<String, String> overrides = new LinkedHashMap<>();

    @Override
    Map<String, String> overrides() {
        return overrides;
    }

    @picocli.CommandLine.Option(
            names = "--policy",
            paramLabel = "DIR",
            description = "Serve this Hugging Face model folder (or checkpoint) until the first policy update arrives "
                    + "(sets generator.initial-policy).")
    java.nio.file.Path policy;

    @Override
    Map<String, String> flagSettings() {
        return policy == null
                ? Map.of()
                : Map.of(
                        GeneratorSettings.INITIAL_POLICY.key(),
                        PolicyOption.requireFolder(policy, "--policy").toString());
    }

    @Override
    SettingSet settings() {
        return GeneratorSettings.ALL;
    }

    @Override
    Running start(ResolvedConfig resolved) {
        var config = GeneratorConfig.from(resolved);
        var service = new GeneratorService(config).start();
        return new Running(
                service,
                service::health,
                "generator " + config.generatorId() + " running: "
                        + config.topics().prompts() + " -> " + config.topics().rollouts() + ", group "
                        + config.groupId()
                        + ", bootstrap " + config.common().bootstrapServers()
                        + service.metricsPort()
                                .map(p -> ", metrics http://localhost:" + p + "/metrics")
                                .orElse(""));
    }
}
