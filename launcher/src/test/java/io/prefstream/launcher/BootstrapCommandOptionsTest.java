package io.prefstream.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Objects;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The topic settings of {@code prefstream bootstrap} come from its flags or, as in compose, from
 * the services' {@code PREFSTREAM_TOPICS_*} variables: a 3-broker deployment's bootstrap job creates
 * the topics at replication factor 3, not 1.
 */
class BootstrapCommandOptionsTest {

    @Test
    void flagsSetPartitionsAndReplicationFactor() {
        var command = new BootstrapCommand();
        new CommandLine(command).parseArgs("--partitions", "6", "--replication-factor", "3");
        assertEquals(6, command.partitions);
        assertEquals(3, command.replicationFactor);
    }

    @Test
    void withoutFlagsTheServicesVariablesOrTheDefaultsApply() {
        var command = new BootstrapCommand();
        new CommandLine(command).parseArgs();
        assertEquals(
                Integer.parseInt(Objects.requireNonNullElse(System.getenv("PREFSTREAM_TOPICS_PARTITIONS"), "3")),
                command.partitions);
        assertEquals(
                Short.parseShort(
                        Objects.requireNonNullElse(System.getenv("PREFSTREAM_TOPICS_REPLICATION_FACTOR"), "1")),
                command.replicationFactor);
    }
}
