package io.prefstream.launcher.soak;

import io.prefstream.schemas.LabeledRollout;
import io.prefstream.schemas.PolicyUpdate;
import io.prefstream.schemas.Rollout;
import io.prefstream.schemas.TrainingBatch;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a soak run read back from its topics ({@code read_committed}, as every service reads them)
 * and the counts it is judged by. The prompts the soak tracks are known up front; the filler
 * prompts it sends after them (so that the last tracked rollouts fill batches) count towards
 * duplicates but not towards losses.
 *
 * <p>A tracked prompt is <em>lost</em> when it has no rollout group; a tracked rollout group is
 * lost when it has no labeled record, or when it is neither in a training batch the trainer
 * consumed (as the {@code consumed_batch_sequence} of its policy updates says) nor on the stale
 * topic. <em>Duplicated</em> counts every copy beyond the first: rollout groups of one prompt,
 * labeled records of one rollout, batches or stale records carrying one rollout, batches with one
 * sequence number, policy updates with one version. An injected corrupt record must reach the
 * dead-letter topic; any other dead letter is a valid record given up on.
 */
final class SoakLedger {

    /** Header that marks an injected corrupt record (its number); dead letters keep it. */
    static final String CORRUPT_HEADER = "soak.corrupt";

    private final Set<String> tracked;
    private final Map<String, Integer> groupsPerPrompt = new HashMap<>();
    private final Map<String, String> promptOfRollout = new HashMap<>();
    private final Map<String, Integer> labeledPerRollout = new HashMap<>();
    private final Set<String> timedOut = new java.util.HashSet<>(); // emitted by the join on join.timeout-ms
    private final Map<String, List<Long>> batchesOfRollout = new HashMap<>();
    private final Map<String, Integer> stalePerRollout = new HashMap<>();
    private final Map<Long, Integer> batchesPerSequence = new HashMap<>();
    private final List<long[]> updates = new ArrayList<>(); // {version, consumed sequence or -1}, in topic order
    private final Map<Integer, String> injected = new LinkedHashMap<>(); // number -> "topic kind"
    private final Map<Integer, Integer> deadLettersPerInjected = new HashMap<>();
    private final Map<String, Integer> otherDeadLetters = new TreeMap<>(); // "source topic: reason" -> count
    private final List<String> undecodable = new ArrayList<>();
    private long groups;
    private long staleRecords;

    SoakLedger(Collection<String> trackedPromptIds) {
        this.tracked = Set.copyOf(trackedPromptIds);
    }

    // ---- what was read ----

    void rollout(Rollout r) {
        groups++;
        String prompt = r.getPrompt().getId();
        groupsPerPrompt.merge(prompt, 1, Integer::sum);
        promptOfRollout.put(r.getId(), prompt);
    }

    void labeled(LabeledRollout l) {
        labeledPerRollout.merge(l.getRollout().getId(), 1, Integer::sum);
        if (l.getEmittedReason() == io.prefstream.schemas.EmitReason.TIMEOUT_FALLBACK) {
            timedOut.add(l.getRollout().getId());
        }
    }

    void batch(TrainingBatch b) {
        batchesPerSequence.merge(b.getSequence(), 1, Integer::sum);
        for (LabeledRollout l : b.getOnlineLabeled()) {
            batchesOfRollout
                    .computeIfAbsent(l.getRollout().getId(), k -> new ArrayList<>())
                    .add(b.getSequence());
        }
        for (Rollout r : b.getOnlineUnlabeled()) {
            batchesOfRollout.computeIfAbsent(r.getId(), k -> new ArrayList<>()).add(b.getSequence());
        }
    }

    void stale(String rolloutId) {
        staleRecords++;
        stalePerRollout.merge(rolloutId, 1, Integer::sum);
    }

    void policyUpdate(PolicyUpdate u) {
        Long consumed = u.getConsumedBatchSequence();
        updates.add(new long[] {u.getVersion(), consumed == null ? -1 : consumed});
    }

    /** A corrupt record the soak sent: its number (the {@link #CORRUPT_HEADER} value) and what it was. */
    void injected(int number, String description) {
        injected.put(number, description);
    }

    /** A dead letter: {@code corrupt} is its {@link #CORRUPT_HEADER} value, null for any other record. */
    void deadLetter(Integer corrupt, String sourceTopic, String reason) {
        if (corrupt != null) {
            deadLettersPerInjected.merge(corrupt, 1, Integer::sum);
        } else {
            otherDeadLetters.merge(sourceTopic + ": " + reason, 1, Integer::sum);
        }
    }

    /** A record of a Prefstream topic, not one the soak injected, that did not decode. */
    void undecodable(String where) {
        undecodable.add(where);
    }

    // ---- progress ----

    int trackedPrompts() {
        return tracked.size();
    }

    /** Tracked prompts with at least one rollout group. */
    long sampledPrompts() {
        return tracked.stream().filter(groupsPerPrompt::containsKey).count();
    }

    /** Rollout groups of every prompt, tracked or filler. */
    long groups() {
        return groups;
    }

    long staleRecords() {
        return staleRecords;
    }

    /** The highest batch sequence a published policy version says it consumed; -1 before any. */
    long trainedThrough() {
        long max = -1;
        for (long[] u : updates) {
            max = Math.max(max, u[1]);
        }
        return max;
    }

    /** The highest policy version published; -1 before any. */
    long latestVersion() {
        long max = -1;
        for (long[] u : updates) {
            max = Math.max(max, u[0]);
        }
        return max;
    }

    long labeledRecords() {
        return labeledPerRollout.values().stream().mapToLong(Integer::longValue).sum();
    }

    private List<String> trackedRollouts() {
        var out = new ArrayList<String>();
        promptOfRollout.forEach((rollout, prompt) -> {
            if (tracked.contains(prompt)) {
                out.add(rollout);
            }
        });
        return out;
    }

    /** Rollout groups, tracked or filler, in a batch the trainer consumed or routed stale. */
    long accountedGroups() {
        long through = trainedThrough();
        long n = 0;
        for (String id : promptOfRollout.keySet()) {
            if (accounted(id, through)) {
                n++;
            }
        }
        return n;
    }

    /** Tracked prompts whose rollout group was trained or routed stale. */
    long accountedPrompts() {
        long through = trainedThrough();
        var prompts = new java.util.HashSet<String>();
        promptOfRollout.forEach((rollout, prompt) -> {
            if (tracked.contains(prompt) && accounted(rollout, through)) {
                prompts.add(prompt);
            }
        });
        return prompts.size();
    }

    private boolean accounted(String rollout, long through) {
        return stalePerRollout.containsKey(rollout)
                || batchesOfRollout.getOrDefault(rollout, List.of()).stream().anyMatch(s -> s <= through);
    }

    /** Whether every tracked prompt was sampled and every tracked rollout trained or routed stale. */
    boolean settled() {
        return sampledPrompts() == tracked.size() && unaccounted() == 0;
    }

    // ---- the counts ----

    /** The counts of a run, read from this ledger now. */
    Counts counts() {
        long through = trainedThrough();
        long trained = 0;
        long stale = 0;
        long pending = 0;
        long unaccounted = 0;
        long unlabeled = 0;
        long timeouts = 0;
        var rollouts = trackedRollouts();
        for (String id : rollouts) {
            if (!labeledPerRollout.containsKey(id)) {
                unlabeled++;
            }
            if (timedOut.contains(id)) {
                timeouts++;
            }
            List<Long> batches = batchesOfRollout.getOrDefault(id, List.of());
            if (batches.stream().anyMatch(s -> s <= through)) {
                trained++;
            } else if (stalePerRollout.containsKey(id)) {
                stale++;
            } else if (!batches.isEmpty()) {
                pending++;
            } else {
                unaccounted++;
            }
        }
        long duplicatedPrompts = extra(groupsPerPrompt.values());
        long duplicatedLabels = extra(labeledPerRollout.values());
        var uses = new HashMap<String, Integer>();
        batchesOfRollout.forEach((id, batches) -> uses.merge(id, batches.size(), Integer::sum));
        stalePerRollout.forEach((id, n) -> uses.merge(id, n, Integer::sum));
        long usedTwice = extra(uses.values());
        long repeatedSequences = extra(batchesPerSequence.values());
        long maxSequence = batchesPerSequence.keySet().stream()
                .mapToLong(Long::longValue)
                .max()
                .orElse(-1);
        long sequenceGaps = maxSequence + 1 - batchesPerSequence.size();
        var versions = new HashMap<Long, Integer>();
        long outOfOrder = 0;
        long lastVersion = Long.MIN_VALUE;
        for (long[] u : updates) {
            versions.merge(u[0], 1, Integer::sum);
            if (u[0] <= lastVersion) {
                outOfOrder++;
            }
            lastVersion = Math.max(lastVersion, u[0]);
        }
        long minVersion =
                versions.keySet().stream().mapToLong(Long::longValue).min().orElse(0);
        long maxVersion =
                versions.keySet().stream().mapToLong(Long::longValue).max().orElse(-1);
        long versionGaps = versions.isEmpty() ? 0 : maxVersion - minVersion + 1 - versions.size();
        // Each version's consumed sequence must exceed its predecessor's: a version that consumed
        // no new batch, or went back, trained batches an earlier version had already trained.
        var byVersion = new TreeMap<Long, Long>();
        for (long[] u : updates) {
            if (u[1] >= 0) {
                byVersion.putIfAbsent(u[0], u[1]);
            }
        }
        long retrained = 0;
        long previous = Long.MIN_VALUE;
        for (long consumed : byVersion.values()) {
            if (consumed <= previous) {
                retrained++;
            }
            previous = Math.max(previous, consumed);
        }
        var missing = new ArrayList<String>();
        injected.forEach((n, what) -> {
            if (!deadLettersPerInjected.containsKey(n)) {
                missing.add("#" + n + " " + what);
            }
        });
        return new Counts(
                tracked.size(),
                tracked.size() - sampledPrompts(),
                duplicatedPrompts,
                rollouts.size(),
                unlabeled,
                duplicatedLabels,
                timeouts,
                trained,
                stale,
                pending,
                unaccounted,
                usedTwice,
                batchesPerSequence.size(),
                repeatedSequences,
                sequenceGaps,
                updates.size(),
                versions.size(),
                extra(versions.values()),
                outOfOrder,
                versionGaps,
                retrained,
                groups,
                staleRecords,
                injected.size(),
                injected.size() - missing.size(),
                deadLettersPerInjected.values().stream()
                        .mapToLong(Integer::longValue)
                        .sum(),
                List.copyOf(missing),
                Map.copyOf(otherDeadLetters),
                List.copyOf(undecodable));
    }

    private long unaccounted() {
        long through = trainedThrough();
        long n = 0;
        for (String id : trackedRollouts()) {
            boolean trained =
                    batchesOfRollout.getOrDefault(id, List.of()).stream().anyMatch(s -> s <= through);
            if (!trained && !stalePerRollout.containsKey(id)) {
                n++;
            }
        }
        return n;
    }

    /** Copies beyond the first, summed. */
    private static long extra(Collection<Integer> counts) {
        return counts.stream().mapToLong(c -> Math.max(0, c - 1)).sum();
    }

    /**
     * The soak's verdict inputs.
     *
     * @param prompts            tracked prompts
     * @param promptsLost        tracked prompts without a rollout group
     * @param promptsDuplicated  rollout groups beyond the first of any prompt
     * @param rollouts           rollout groups of tracked prompts
     * @param labelsLost         tracked rollouts without a labeled record
     * @param labelsDuplicated   labeled records beyond the first of any rollout
     * @param joinTimeouts       tracked rollouts the join emitted on {@code join.timeout-ms} (labels missing)
     * @param trained            tracked rollouts in a batch the trainer consumed
     * @param stale              tracked rollouts routed stale (and not trained)
     * @param pending            tracked rollouts in a batch the trainer has not reported consuming
     * @param lost               tracked rollouts in no batch and not stale
     * @param usedTwice          batch or stale copies beyond the first of any rollout
     * @param batches            distinct batch sequences
     * @param batchesDuplicated  batches beyond the first with one sequence
     * @param batchGaps          sequences missing below the highest
     * @param updates            policy update records
     * @param versions           distinct versions published
     * @param versionsDuplicated updates beyond the first of one version
     * @param versionsOutOfOrder updates whose version is not above every earlier one
     * @param versionGaps        versions missing between the lowest and highest
     * @param batchesRetrained   versions whose consumed sequence does not exceed the previous version's
     * @param groups             rollout groups of every prompt, filler included
     * @param staleRecords       records on the stale topic, filler included
     * @param corruptInjected    corrupt records sent
     * @param corruptDeadLettered injected records found on the dead-letter topic
     * @param corruptDeadLetters dead letters of injected records (one record read by two services counts twice)
     * @param corruptMissing     injected records not dead-lettered
     * @param otherDeadLetters   dead letters of records the soak did not corrupt, by source topic and reason
     * @param undecodable        records of Prefstream topics, not injected, that did not decode
     */
    record Counts(
            int prompts,
            long promptsLost,
            long promptsDuplicated,
            long rollouts,
            long labelsLost,
            long labelsDuplicated,
            long joinTimeouts,
            long trained,
            long stale,
            long pending,
            long lost,
            long usedTwice,
            long batches,
            long batchesDuplicated,
            long batchGaps,
            long updates,
            long versions,
            long versionsDuplicated,
            long versionsOutOfOrder,
            long versionGaps,
            long batchesRetrained,
            long groups,
            long staleRecords,
            int corruptInjected,
            int corruptDeadLettered,
            long corruptDeadLetters,
            List<String> corruptMissing,
            Map<String, Integer> otherDeadLetters,
            List<String> undecodable) {

        /** Everything that must be zero: losses, duplicates, undelivered dead letters, valid records given up on. */
        Map<String, Long> mustBeZero() {
            var out = new LinkedHashMap<String, Long>();
            out.put("prompts lost", promptsLost);
            out.put("prompts sampled twice", promptsDuplicated);
            out.put("rollouts without label", labelsLost);
            out.put("rollouts labeled twice", labelsDuplicated);
            out.put("rollouts emitted on join timeout", joinTimeouts);
            out.put("rollouts lost", lost + pending);
            out.put("rollouts used twice", usedTwice);
            out.put("batch sequences repeated", batchesDuplicated);
            out.put("batch sequences missing", batchGaps);
            out.put("policy versions repeated", versionsDuplicated);
            out.put("policy versions out of order", versionsOutOfOrder);
            out.put("policy versions missing", versionGaps);
            out.put("batches trained twice", batchesRetrained);
            out.put("corrupt records not dead-lettered", (long) corruptMissing.size());
            out.put(
                    "valid records dead-lettered",
                    otherDeadLetters.values().stream()
                            .mapToLong(Integer::longValue)
                            .sum());
            out.put("valid records undecodable", (long) undecodable.size());
            return out;
        }

        Set<String> failures() {
            var out = new LinkedHashSet<String>();
            mustBeZero().forEach((name, n) -> {
                if (n != 0) {
                    out.add(name);
                }
            });
            return out;
        }

        double staleFraction() {
            return groups == 0 ? 0 : (double) staleRecords / groups;
        }
    }
}
