package io.prefstream.launcher;

import io.prefstream.labeler.LabelerConfig;
import io.prefstream.labeler.LabelerService;
import io.prefstream.labeler.LabelerSettings;
import io.prefstream.platform.config.ResolvedConfig;
import io.prefstream.platform.config.SettingSet;
import io.prefstream.platform.metrics.HealthStatus;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code prefstream labeler}: machine labelers, the label join and the labeling UI against an external cluster. */
@Command(
        name = "labeler",
        mixinStandardHelpOptions = true,
        header = "Run the labelers, label join and labeling UI against an external Kafka.",
        showDefaultValues = true,
        description = {
            "Run the labeler against an external Kafka and Schema Registry: machine labelers",
            "(rule, reward-model, remote), the label join (Kafka Streams) and the human",
            "labeling web UI and REST API."
        })
public final class LabelerCommand extends ServiceCommand {

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            mapFallbackValue = "",
            description = "Override one setting (repeatable), e.g. --set labeler.batch-size=64." + SET_HELP)
    Map<String, String> overrides = new LinkedHashMap<>();

    @Override
    Map<String, String> overrides() {
        return overrides;
    }

    /** Kafka Streams states in which the label join no longer processes records. */
    private static final Set<String> DEAD_JOIN_STATES = Set.of("ERROR", "PENDING_ERROR", "NOT_RUNNING");

    @Override
    SettingSet settings() {
        return LabelerSettings.ALL;
    }

    @Override
    Running start(ResolvedConfig resolved) {
        var config = LabelerConfig.from(resolved);
        var service = new LabelerService(config).start();
        return new Running(
                service,
                () -> health(service),
                "labeler running: machine labelers "
                        + config.machine().kinds() + ", label join "
                        + (config.join().enabled() ? "on" : "off")
                        + ", labeling UI " + service.url() + ", metrics "
                        + service.url().resolve("metrics"));
    }

    static HealthStatus health(LabelerService service) {
        String join = service.status().joinState();
        return DEAD_JOIN_STATES.contains(join)
                ? HealthStatus.down("label join is " + join)
                : HealthStatus.up("label join " + join);
    }
}
