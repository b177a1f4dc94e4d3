/**
 * The generator service: prompts in, rollouts out.
 *
 * <p>{@link io.prefstream.generator.GeneratorService} consumes {@code prefstream.prompts} (group
 * {@code prefstream-generator}), gathers micro-batches of up to B prompts or T ms, samples K
 * completions per prompt with the policy's KV-cache sampler ({@link io.prefstream.generator.RolloutSampler}),
 * and produces one {@code Rollout} per prompt (key = prompt id) with behaviour log-probs, token ids,
 * finish reasons, policy version, sampling parameters and timings. It follows
 * {@code prefstream.policy-updates} ({@link io.prefstream.generator.PolicyFollower}) and swaps
 * verified checkpoints between micro-batches, and paces itself with the
 * {@link io.prefstream.generator.AdmissionControl} (iterative budget per version, or bounded staleness
 * and trainer backlog when streaming). Configuration: {@link io.prefstream.generator.GeneratorSettings}
 * → {@link io.prefstream.generator.GeneratorConfig}.
 *
 * <p>Prompt sources: {@link io.prefstream.generator.PromptProducer} (a task's prompts, or any list)
 * and {@link io.prefstream.generator.JsonlPromptLoader} (all-or-nothing JSONL files).
 */
package io.prefstream.generator;
