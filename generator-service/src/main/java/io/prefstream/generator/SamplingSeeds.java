package io.prefstream.generator;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * Per-rollout sampling seeds:
 * {@code seed = mix64(mix64(generatorSeed ⊕ h(promptId)) + policyVersion)}, where {@code h} is the
 * first 8 bytes (big-endian) of SHA-256 of the UTF-8 prompt id and {@code mix64} is SplitMix64's
 * finaliser. The same prompt, sampled by the same version under the same generator seed, always
 * gets the same seed (hence the same {@link io.prefstream.schemas.RolloutIds rollout id} and, since
 * the sampler draws each prompt from its own seed, the same completions), on any instance.
 */
public final class SamplingSeeds {

    private SamplingSeeds() {}

    public static long of(long generatorSeed, String promptId, long policyVersion) {
        Objects.requireNonNull(promptId, "promptId");
        return mix64(mix64(generatorSeed ^ hash(promptId)) + policyVersion);
    }

    private static long hash(String promptId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(promptId.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest, 0, Long.BYTES).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM lacks SHA-256", e);
        }
    }

    /** SplitMix64 finaliser (Steele, Lea, Flood 2014): a bijection that spreads every input bit. */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
