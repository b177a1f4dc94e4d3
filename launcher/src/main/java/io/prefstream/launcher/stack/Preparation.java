package io.prefstream.launcher.stack;

import ai.djl.Device;
import io.prefstream.launcher.RunProfile;
import io.prefstream.launcher.load.TopicCounts;
import io.prefstream.model.checkpoint.Checkpoints;
import io.prefstream.model.reference.OfflinePreferenceSet;
import io.prefstream.model.reference.ReferencePolicies;
import io.prefstream.model.reference.ReferenceSpec;
import io.prefstream.model.tokenizer.Tokenizers;
import io.prefstream.model.train.ProgressListener;
import io.prefstream.platform.kafka.KafkaClients;
import io.prefstream.platform.kafka.TopicWriter;
import io.prefstream.schemas.PreferencePair;
import io.prefstream.schemas.topics.Topics;
import io.prefstream.tasks.Task;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every run needs before the services start: the reference policy π_ref (trained once per
 * spec and cached) and the offline preference set on {@code prefstream.offline-preferences}.
 * Idempotent: the set is built and written (in one transaction) only when the topic holds no
 * committed record, so running it again, or after {@code prefstream offline load}, adds nothing.
 */
public final class Preparation {

    private static final Logger log = LoggerFactory.getLogger(Preparation.class);

    private Preparation() {}

    /**
     * @param reference       π_ref's checkpoint and whether it was trained now
     * @param offlineWritten  pairs written now (0 when the topic already held a set)
     * @param offlineExisting committed records the topic held before
     */
    public record Result(
            ReferencePolicies.Prepared reference, ReferenceSpec spec, int offlineWritten, long offlineExisting) {}

    /** The π_ref spec of {@code task} under {@code profile} and {@code seed}. */
    public static ReferenceSpec referenceSpec(Task task, RunProfile profile, long seed) {
        int vocab = Tokenizers.forSpec(task.tokenizerSpec()).vocabSize();
        return new ReferenceSpec(
                task, profile.model().apply(vocab), profile.sft().withSeed(seed), profile.sftCorpus(), seed);
    }

    /**
     * Prepares π_ref under {@code cacheDir} and makes sure the offline set exists.
     *
     * @param sftProgress called per SFT step when π_ref is trained
     * @param messages    one-line progress messages for the user
     */
    public static Result run(
            Task task,
            RunProfile profile,
            long seed,
            Path cacheDir,
            Device device,
            KafkaClients clients,
            ProgressListener sftProgress,
            Consumer<String> messages) {
        return run(task, profile, seed, cacheDir, null, device, clients, sftProgress, messages);
    }

    /**
     * As {@link #run(Task, RunProfile, long, Path, Device, KafkaClients, ProgressListener, Consumer)};
     * with a non-null {@code policy} (a Hugging Face model folder or checkpoint, {@code --policy}) π_ref
     * is that model, verified, instead of one trained by SFT.
     */
    public static Result run(
            Task task,
            RunProfile profile,
            long seed,
            Path cacheDir,
            Path policy,
            Device device,
            KafkaClients clients,
            ProgressListener sftProgress,
            Consumer<String> messages) {
        ReferenceSpec spec = referenceSpec(task, profile, seed);
        ReferencePolicies.Prepared reference;
        if (policy != null) {
            var manifest = Checkpoints.verify(policy, null);
            reference = new ReferencePolicies.Prepared(policy.toAbsolutePath().normalize(), false, 0, Double.NaN);
            messages.accept(
                    "π_ref is " + policy + " (" + manifest.config().family().id() + ", "
                            + String.format("%,d", manifest.parameterCount()) + " parameters, sha256 "
                            + manifest.weightsSha256().substring(0, 12) + "…)");
        } else {
            reference = ReferencePolicies.prepare(spec, cacheDir, device, sftProgress);
            messages.accept(
                    reference.trained()
                            ? String.format(
                                    "π_ref trained in %.0f s (SFT loss %.3f), cached in %s",
                                    reference.sftSeconds(), reference.sftFinalLoss(), reference.checkpoint())
                            : "π_ref loaded from cache " + reference.checkpoint());
        }

        long existing = TopicCounts.committedRecords(clients, Topics.OFFLINE_PREFERENCES.name(), Duration.ofMinutes(2));
        if (existing > 0) {
            messages.accept("Offline preference set already on " + Topics.OFFLINE_PREFERENCES.name() + " (" + existing
                    + " records); not rebuilt");
            return new Result(reference, spec, 0, existing);
        }
        long started = System.nanoTime();
        var options = new OfflinePreferenceSet.Options(
                profile.offline().prompts(),
                profile.offline().k(),
                profile.offline().seed() + seed);
        List<PreferencePair> pairs;
        try (var refPolicy = Checkpoints.loadPolicy(reference.checkpoint(), device)) {
            pairs = OfflinePreferenceSet.build(task, refPolicy, options).stream()
                    .map(Preparation::record)
                    .toList();
        }
        int written;
        try (TopicWriter<PreferencePair> writer = TopicWriter.open(clients, Topics.OFFLINE_PREFERENCES)) {
            written = writer.writeAll(pairs, PreferencePair::getId);
        }
        log.info(
                "Offline set: {} pairs from {} prompts x {} samples of π_ref", written, options.prompts(), options.k());
        messages.accept(String.format(
                "Offline preference set: %d pairs (π_ref best vs worst of %d, %d prompts) " + "in %.0f s",
                written, options.k(), options.prompts(), (System.nanoTime() - started) / 1e9));
        return new Result(reference, spec, written, 0);
    }

    /** An offline pair as the {@code prefstream.offline-preferences} record. */
    static PreferencePair record(OfflinePreferenceSet.Pair pair) {
        return PreferencePair.newBuilder()
                .setId(pair.id())
                .setPromptText(pair.prompt())
                .setChosenText(pair.chosen().text())
                .setRejectedText(pair.rejected().text())
                .setChosenTokenIds(ids(pair.chosen().tokens()))
                .setRejectedTokenIds(ids(pair.rejected().tokens()))
                .setChosenRefLogprob(pair.chosen().logProb())
                .setRejectedRefLogprob(pair.rejected().logProb())
                .setChosenReward(pair.chosenReward())
                .setRejectedReward(pair.rejectedReward())
                .setSource(pair.source())
                .build();
    }

    private static List<Integer> ids(int[] tokens) {
        return Arrays.stream(tokens).boxed().toList();
    }
}
