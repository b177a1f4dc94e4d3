package io.prefstream.trainer.objective;

/**
 * A preference-learning objective: a pure function from sequence log-probs to a scalar loss.
 * Policy log-probs carry the gradient; reference, behaviour, rewards and lengths are detached.
 * Obtain instances from {@link Objectives#create}.
 */
public interface PreferenceObjective {

    /** Canonical name, as in {@link Objectives#names()}. */
    String name();

    /** Which inputs {@link #compute} needs and accepts. */
    Requirements requirements();

    /**
     * Computes the loss and metrics for one step. Temporaries are closed before returning; the loss
     * is attached to the policy log-probs' manager.
     *
     * @throws IllegalArgumentException when inputs are missing, unused or malformed
     */
    ObjectiveResult compute(ObjectiveInput input);
}
