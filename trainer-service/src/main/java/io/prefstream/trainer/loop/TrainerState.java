package io.prefstream.trainer.loop;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The trainer's position, stored in every checkpoint's metadata so a restart resumes exactly: the
 * weights and optimizer state sit next to it in the same atomically written directory.
 *
 * <p>"Trained" is defined relative to checkpoints: a batch is trained once a checkpoint whose
 * {@code batchOffset} is at or after the batch's offset is durable. {@link #segment} lists the batch
 * sequences trained since the previous checkpoint, so the history of trained batches is the
 * concatenation of the segments of successive checkpoints; {@link #deadLettered} and {@link #skipped}
 * list the batches consumed without training, so every consumed batch is in exactly one list.
 *
 * @param step                 optimisation steps applied
 * @param policyVersion        version of the last published policy (weights may be newer when not yet published)
 * @param publishedStep        step of the checkpoint published as {@code policyVersion} (kept from pruning)
 * @param batchOffset          offset of the last consumed training batch, −1 before the first
 * @param batchSequence        sequence number of that batch, −1 when none (or undecodable)
 * @param referenceStep        checkpoint step whose weights are π_ref (reference=refresh), −1 for the reference dir
 * @param referenceSha256      weights sha256 of the π_ref this run started from
 * @param segment              sequences trained since the previous checkpoint, in order
 * @param deadLettered         sequences dead-lettered since the previous checkpoint (−1 when undecodable)
 * @param skipped              sequences skipped since the previous checkpoint: valid batches none of whose
 *                             items yielded an input (e.g. every online group tied); absent in older checkpoints
 * @param onlineAccounted      {@code TrainingBatch.online_accounted} of the last consumed batch that carried it
 *                             (per generator id: online rollouts batched, routed stale or dead-lettered), reported
 *                             on policy updates; null when none did (absent in older checkpoints)
 */
public record TrainerState(
        long step,
        long policyVersion,
        long publishedStep,
        long batchOffset,
        long batchSequence,
        long referenceStep,
        String referenceSha256,
        List<Long> segment,
        List<Long> deadLettered,
        List<Long> skipped,
        Map<String, Long> onlineAccounted) {

    public TrainerState {
        onlineAccounted = onlineAccounted == null ? null : Map.copyOf(onlineAccounted);
        segment = List.copyOf(segment);
        deadLettered = List.copyOf(deadLettered);
        skipped = List.copyOf(skipped);
    }

    /** The state of a run that has not consumed anything yet. */
    public static TrainerState initial(String referenceSha256) {
        return new TrainerState(0, 0, 0, -1, -1, -1, referenceSha256, List.of(), List.of(), List.of(), null);
    }

    Map<String, String> toMetadata() {
        var m = new LinkedHashMap<String, String>();
        m.put("step", Long.toString(step));
        m.put("policy_version", Long.toString(policyVersion));
        m.put("published_step", Long.toString(publishedStep));
        m.put("batch_offset", Long.toString(batchOffset));
        m.put("batch_sequence", Long.toString(batchSequence));
        m.put("reference_step", Long.toString(referenceStep));
        m.put("reference_sha256", referenceSha256);
        m.put("segment", join(segment));
        m.put("dead_lettered", join(deadLettered));
        m.put("skipped", join(skipped));
        if (onlineAccounted != null) {
            m.put("online_accounted", joinCounts(onlineAccounted));
        }
        return m;
    }

    static TrainerState fromMetadata(Map<String, String> m, String where) {
        try {
            return new TrainerState(
                    Long.parseLong(get(m, "step", where)),
                    Long.parseLong(get(m, "policy_version", where)),
                    Long.parseLong(get(m, "published_step", where)),
                    Long.parseLong(get(m, "batch_offset", where)),
                    Long.parseLong(get(m, "batch_sequence", where)),
                    Long.parseLong(get(m, "reference_step", where)),
                    get(m, "reference_sha256", where),
                    split(m.getOrDefault("segment", "")),
                    split(m.getOrDefault("dead_lettered", "")),
                    split(m.getOrDefault("skipped", "")),
                    m.containsKey("online_accounted") ? splitCounts(m.get("online_accounted")) : null);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("checkpoint " + where + " has malformed trainer metadata " + m, e);
        }
    }

    private static String get(Map<String, String> m, String key, String where) {
        String v = m.get(key);
        if (v == null) {
            throw new IllegalArgumentException("checkpoint " + where + " lacks trainer metadata '" + key
                    + "'; it was not written by the trainer (found keys " + m.keySet() + ")");
        }
        return v;
    }

    private static String join(List<Long> values) {
        return String.join(",", values.stream().map(String::valueOf).toList());
    }

    /** {@code id=count,...} with URL-encoded ids, in id order. */
    static String joinCounts(Map<String, Long> counts) {
        var parts = new ArrayList<String>();
        new TreeMap<>(counts).forEach((id, n) -> parts.add(URLEncoder.encode(id, UTF_8) + "=" + n));
        return String.join(",", parts);
    }

    static Map<String, Long> splitCounts(String text) {
        var counts = new LinkedHashMap<String, Long>();
        if (!text.isBlank()) {
            for (String part : text.split(",")) {
                int eq = part.lastIndexOf('=');
                counts.put(
                        URLDecoder.decode(part.substring(0, eq).trim(), UTF_8),
                        Long.valueOf(part.substring(eq + 1).trim()));
            }
        }
        return counts;
    }

    private static List<Long> split(String text) {
        return text.isBlank()
                ? List.of()
                : Arrays.stream(text.split(","))
                        .map(String::trim)
                        .map(Long::valueOf)
                        .toList();
    }
}
