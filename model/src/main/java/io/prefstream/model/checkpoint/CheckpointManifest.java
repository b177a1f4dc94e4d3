package io.prefstream.model.checkpoint;

import io.prefstream.model.LmConfig;
import java.util.Map;
import java.util.Optional;

/**
 * What a checkpoint directory holds, read from its {@code manifest.properties}.
 *
 * @param kind {@code policy} or {@code reward}
 * @param config the model shape
 * @param tokenizerId the tokenizer's stable id
 * @param weightsSha256 hex sha256 of {@code weights.bin}
 * @param optimizerSha256 hex sha256 of {@code optimizer.bin}, if optimizer state was saved
 * @param parameterCount number of scalars in the weights
 * @param metadata caller-defined entries (policy version, Kafka offsets, ...)
 */
public record CheckpointManifest(
        String kind,
        LmConfig config,
        String tokenizerId,
        String weightsSha256,
        Optional<String> optimizerSha256,
        long parameterCount,
        Map<String, String> metadata) {

    public CheckpointManifest {
        metadata = Map.copyOf(metadata);
    }
}
