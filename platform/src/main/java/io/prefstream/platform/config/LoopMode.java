package io.prefstream.platform.config;

/**
 * How the online loop paces policy versions: the one mode of a run, read by the generator
 * ({@code generator.mode}), the trainer ({@code trainer.mode}) and the all-in-one commands
 * ({@code --mode}), spelled {@code streaming} or {@code iterative} everywhere.
 *
 * <ul>
 *   <li>{@link #STREAMING}: asynchronous online learning with bounded staleness. The trainer
 *       publishes every checkpoint; the generator keeps sampling while at most
 *       {@code generator.max-staleness} budgets ahead of the trainer's latest version and while the
 *       trainer's backlog is under {@code generator.max-trainer-lag}.</li>
 *   <li>{@link #ITERATIVE}: synchronous rounds (the iterative-DPO protocol). The trainer publishes
 *       at iteration boundaries only (every {@code trainer.steps-per-iteration} steps) and each
 *       iteration trains only on samples of the policy it published last; the generator stops at
 *       {@code generator.budget-per-version} rollouts per version and waits for the next one.</li>
 * </ul>
 */
public enum LoopMode {
    STREAMING,
    ITERATIVE
}
