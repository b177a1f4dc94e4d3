package io.prefstream.generator;

/**
 * A snapshot of one generator instance, for the launcher's progress display, {@code /health} and tests.
 *
 * @param generatorId         the instance
 * @param state               lifecycle and admission state
 * @param reason              why (the gate's reason while running or paused, the failure when failed)
 * @param policyVersion       version being served, -1 before the first policy
 * @param publishedVersion    newest version seen on policy-updates (loaded or not), -1 when none
 * @param producedThisVersion P: rollouts since the last version event (see {@link AdmissionControl})
 * @param rollouts            rollouts produced since start
 * @param tokens              response tokens sampled since start (EOS included)
 * @param rolloutsPerSecond   over the last {@value GeneratorMetrics#RATE_WINDOW_SECONDS} s
 * @param tokensPerSecond     over the last {@value GeneratorMetrics#RATE_WINDOW_SECONDS} s
 * @param buffered            prompt records held (waiting, or with outputs in flight)
 * @param assignedPartitions  prompt partitions this instance owns
 * @param inputLag            records of its partitions not yet fetched
 * @param trainerBacklog      last trainer backlog read (0 when not monitored)
 * @param checkpointsLoaded   policy versions loaded
 * @param checkpointsRejected policy versions skipped as unusable
 * @param deadLetters         records dead-lettered by this instance
 */
public record GeneratorStatus(
        String generatorId,
        State state,
        String reason,
        long policyVersion,
        long publishedVersion,
        long producedThisVersion,
        long rollouts,
        long tokens,
        double rolloutsPerSecond,
        double tokensPerSecond,
        int buffered,
        int assignedPartitions,
        long inputLag,
        long trainerBacklog,
        long checkpointsLoaded,
        long checkpointsRejected,
        long deadLetters) {

    /** STARTING until the loop runs; RUNNING or PAUSED by the gate; STOPPED after close; FAILED when the loop died. */
    public enum State {
        STARTING,
        RUNNING,
        PAUSED,
        STOPPED,
        FAILED
    }

    public boolean paused() {
        return state == State.PAUSED;
    }
}
