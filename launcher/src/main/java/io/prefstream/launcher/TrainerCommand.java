package io.prefstream.launcher;

import io.prefstream.platform.config.ResolvedConfig;
import io.prefstream.platform.config.SettingSet;
import io.prefstream.platform.metrics.HealthCheck;
import io.prefstream.platform.metrics.HealthStatus;
import io.prefstream.trainer.TrainerConfig;
import io.prefstream.trainer.TrainerService;
import io.prefstream.trainer.TrainerSettings;
import io.prefstream.trainer.TrainerStatus;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code prefstream trainer}: the batcher and the training loop of one policy against an external cluster. */
@Command(
        name = "trainer",
        mixinStandardHelpOptions = true,
        header = "Run the batcher and training loop against an external Kafka.",
        showDefaultValues = true,
        description = {
            "Run the trainer against an external Kafka and Schema Registry: the batcher",
            "(Kafka Streams) and the training loop of one policy, publishing checkpoints to",
            "prefstream.policy-updates and metrics to prefstream.metrics. With",
            "trainer.max-steps > 0 it exits after the final checkpoint and evaluation."
        })
public final class TrainerCommand extends ServiceCommand {

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            mapFallbackValue = "",
            description = "Override one setting (repeatable), e.g. --set trainer.beta=0.2." + SET_HELP)
    Map<String, String> overrides = new LinkedHashMap<>();

    @Override
    Map<String, String> overrides() {
        return overrides;
    }

    @picocli.CommandLine.Option(
            names = "--policy",
            paramLabel = "DIR",
            description = "Reference policy pi_ref and starting point: a Hugging Face model folder or checkpoint "
                    + "(sets trainer.reference-dir).")
    java.nio.file.Path policy;

    @Override
    Map<String, String> flagSettings() {
        return policy == null
                ? Map.of()
                : Map.of(
                        TrainerSettings.REFERENCE_DIR.key(),
                        PolicyOption.requireFolder(policy, "--policy").toString());
    }

    @Override
    SettingSet settings() {
        return TrainerSettings.ALL;
    }

    @Override
    Running start(ResolvedConfig resolved) {
        var config = TrainerConfig.from(resolved);
        var service = new TrainerService(config);
        service.start();
        var finished = service.done().thenApply(TrainerCommand::describeEnd);
        return new Running(
                service,
                () -> health(service.healthChecks()),
                "trainer of policy " + config.policyName()
                        + " running: objective " + config.objective() + ", batcher "
                        + (config.batcherEnabled() ? "on" : "off")
                        + ", checkpoints in " + config.checkpointDir()
                        + (config.common().metricsPort() == 0
                                ? ""
                                : ", metrics http://localhost:"
                                        + config.common().metricsPort() + "/metrics"),
                finished);
    }

    static String describeEnd(TrainerStatus status) {
        if (status.phase() == TrainerStatus.Phase.FAILED) {
            throw new IllegalStateException("trainer failed at step " + status.step() + ": " + status.failure());
        }
        return "trainer " + status.phase().name().toLowerCase() + " at step " + status.step() + ", policy version "
                + status.policyVersion() + (status.failure().isEmpty() ? "" : ": " + status.failure());
    }

    /** Down as soon as one check is down, with every check's detail. */
    static HealthStatus health(Map<String, HealthCheck> checks) {
        var detail = new StringBuilder();
        boolean healthy = true;
        for (var entry : checks.entrySet()) {
            HealthStatus s;
            try {
                s = entry.getValue().check();
            } catch (Exception e) {
                s = HealthStatus.down(e.toString());
            }
            healthy &= s.healthy();
            detail.append(detail.length() == 0 ? "" : "; ")
                    .append(entry.getKey())
                    .append(": ")
                    .append(s.detail());
        }
        return healthy ? HealthStatus.up(detail.toString()) : HealthStatus.down(detail.toString());
    }
}
