package io.prefstream.trainer.loop;

import java.nio.file.Path;

/**
 * A checkpoint became durable (and, when {@code published}, its policy update was acknowledged and
 * the consumer position committed). {@code state().segment()} lists the batch sequences it made
 * trained.
 *
 * @param dir       the checkpoint directory
 * @param state     the trainer state stored in it
 * @param published whether it was published as {@code state().policyVersion()}
 */
public record CheckpointEvent(Path dir, TrainerState state, boolean published) {}
