package io.prefstream.trainer;

import java.util.Map;

/**
 * A snapshot of the trainer for operators, the launcher's progress line and tests.
 *
 * @param phase          STARTING, RUNNING, DONE, STOPPED or FAILED
 * @param step           optimisation steps applied
 * @param policyVersion  last published policy version
 * @param lastSequence   sequence of the last consumed batch, −1 before the first
 * @param stepsPerSecond recent optimisation steps per second
 * @param pairsPerSecond recent batch items (pairs and rollouts) per second
 * @param lastTrain      metrics of the last step
 * @param lastEval       metrics of the last evaluation (empty before the first)
 * @param failure        why the trainer failed, empty otherwise
 */
public record TrainerStatus(
        Phase phase,
        long step,
        long policyVersion,
        long lastSequence,
        double stepsPerSecond,
        double pairsPerSecond,
        Map<String, Double> lastTrain,
        Map<String, Double> lastEval,
        String failure) {

    /** Lifecycle of the trainer. */
    public enum Phase {
        STARTING,
        RUNNING,
        DONE,
        STOPPED,
        FAILED
    }

    public TrainerStatus {
        lastTrain = Map.copyOf(lastTrain);
        lastEval = Map.copyOf(lastEval);
    }
}
