package io.prefstream.generator;

import io.prefstream.model.lm.CausalLm;
import java.util.Objects;

/**
 * A loaded, verified policy and the version it was published as. Owned by whoever holds it last:
 * the generator closes the one it swaps out.
 *
 * @param version   policy version recorded on its rollouts
 * @param model     the weights
 * @param sha256    verified sha256 of the weights
 * @param source    where it was loaded from (checkpoint URI or directory)
 */
public record ServingPolicy(long version, CausalLm model, String sha256, String source) implements AutoCloseable {

    public ServingPolicy {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(source, "source");
        if (version < 0) {
            throw new IllegalArgumentException("policy version must be >= 0, found " + version);
        }
    }

    @Override
    public void close() {
        model.close();
    }
}
