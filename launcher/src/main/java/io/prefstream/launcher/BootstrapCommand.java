package io.prefstream.launcher;

import io.prefstream.launcher.logging.RunLog;
import io.prefstream.launcher.stack.Preparation;
import io.prefstream.model.reference.ReferencePolicies;
import io.prefstream.model.train.ProgressListener;
import io.prefstream.platform.config.CommonConfig;
import io.prefstream.platform.kafka.KafkaClients;
import io.prefstream.platform.topics.TopicProvisioner;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code prefstream bootstrap}: the one-shot job of a distributed deployment. Provisions every
 * topic, trains (or loads from the cache) the reference policy and installs it as
 * {@code <data-dir>/reference} (where {@code trainer.reference-dir} points by default), and writes
 * the offline preference set. Safe to run again: existing topics are verified, an installed π_ref
 * with the same weights is kept, and the offline set is not written twice.
 */
@Command(
        name = "bootstrap",
        mixinStandardHelpOptions = true,
        header = "One-shot setup: provision topics, install pi_ref, write the offline set.",
        showDefaultValues = true,
        description = {
            "The one-shot job of a distributed deployment: provision the topics, train",
            "(or load) pi_ref and install it as <data-dir>/reference, and write the offline",
            "preference set. Idempotent: re-running creates nothing twice."
        })
public final class BootstrapCommand implements Callable<Integer> {

    @Mixin
    ClusterOptions cluster;

    @Option(names = "--task", defaultValue = "arithmetic", description = "Task to prepare.")
    String task;

    @Option(
            names = "--policy",
            paramLabel = "DIR",
            description = "Install this Hugging Face model folder (or checkpoint) as pi_ref instead of training one.")
    Path policy;

    @Option(
            names = "--data-dir",
            defaultValue = "${env:PREFSTREAM_DATA_DIR:-prefstream-data}",
            description =
                    "Shared data directory of the deployment (the services' data.dir; env " + "PREFSTREAM_DATA_DIR).")
    Path dataDir;

    @Option(names = "--cache-dir", description = "Cache of trained reference policies; default: <data-dir>/cache.")
    Path cacheDir;

    @Option(names = "--profile", defaultValue = "default", description = "Sizes: " + RunProfile.NAMES + ".")
    String profile;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of pi_ref's training and the offline set.")
    long seed;

    @Option(
            names = "--partitions",
            defaultValue = "${env:PREFSTREAM_TOPICS_PARTITIONS:-3}",
            description = "Partitions of topics that do not fix their own count (topics.partitions; env "
                    + "PREFSTREAM_TOPICS_PARTITIONS).")
    int partitions;

    @Option(
            names = "--replication-factor",
            defaultValue = "${env:PREFSTREAM_TOPICS_REPLICATION_FACTOR:-1}",
            description = "Replication factor of the topics it creates (topics.replication-factor; env "
                    + "PREFSTREAM_TOPICS_REPLICATION_FACTOR): 3 on a cluster of 3 or more brokers.")
    short replicationFactor;

    @Option(names = "--device", defaultValue = "auto", description = "Where pi_ref trains: auto, cpu or gpu.")
    String device;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var runProfile = RunProfile.forTask(profile, task);
        var taskImpl = FlagValues.task(task);
        var deviceSetting = FlagValues.device(device);
        Path policyDir = policy == null ? null : PolicyOption.requireFolder(policy, "--policy");
        PrintWriter out = spec.commandLine().getOut();
        try (var runLog = RunLog.to(dataDir.resolve("bootstrap.log"))) {
            var config = new CommonConfig(
                    cluster.bootstrap(),
                    cluster.registry(),
                    "prefstream-bootstrap",
                    0,
                    dataDir,
                    partitions,
                    replicationFactor,
                    -1,
                    Map.of());
            var clients = new KafkaClients(config);
            try (var admin = clients.admin()) {
                var result = TopicProvisioner.from(admin, config).ensureAll();
                out.printf(
                        "Topics: %d created, %d already present%n",
                        result.created().size(), result.existing().size());
            }
            var prepared = Preparation.run(
                    taskImpl,
                    runProfile,
                    seed,
                    cacheDir != null ? cacheDir : dataDir.resolve("cache"),
                    policyDir,
                    deviceSetting.resolve(),
                    clients,
                    sftProgress(out),
                    out::println);
            Path installed = dataDir.resolve("reference");
            boolean copied = ReferencePolicies.install(prepared.reference().checkpoint(), installed);
            out.println(copied ? "π_ref installed in " + installed : "π_ref already installed in " + installed);
            out.println("Bootstrap done (log: " + runLog.file() + ")");
            out.flush();
        }
        return 0;
    }

    static ProgressListener sftProgress(PrintWriter out) {
        return (step, total, loss, lr, elapsed) -> {
            if (step % 100 == 0 || step == total) {
                out.printf("  training π_ref: step %d/%d, loss %.3f, %.0f s%n", step, total, loss, elapsed / 1e9);
                out.flush();
            }
        };
    }
}
