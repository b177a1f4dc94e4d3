package io.prefstream.generator;

/**
 * How the generator paces itself against the trainer (see {@link StalenessGate}).
 *
 * <ul>
 *   <li>{@link #ITERATIVE}: at most {@code generator.budget-per-version} rollouts per policy version,
 *       then wait for the next version (synchronous iterative DPO).</li>
 *   <li>{@link #STREAMING}: keep sampling while at most {@code generator.max-staleness} budgets ahead of
 *       the trainer's latest version and while the trainer's backlog is under
 *       {@code generator.max-trainer-lag} (asynchronous online learning).</li>
 * </ul>
 */
public enum GeneratorMode {
    ITERATIVE,
    STREAMING
}
