package io.prefstream.launcher.experiment;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;

/**
 * One finished run of an experiment: what its demo wrote into {@code <runDir>/report/}.
 *
 * @param arm     the arm's name ({@link ExperimentSpec.Arm#name()})
 * @param seed    the run's seed
 * @param runDir  the run's data directory
 * @param summary {@code report/summary.json} (the demo's {@code --json} object)
 * @param metrics {@code report/metrics.json}: the trainer's TRAIN and EVAL records in order, each
 *                {@code {kind, step, policy_version, created_at_ms, metrics: {name: value|null}}}
 */
public record RunResult(String arm, long seed, Path runDir, ObjectNode summary, ArrayNode metrics) {}
