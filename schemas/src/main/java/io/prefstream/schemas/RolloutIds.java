package io.prefstream.schemas;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.UUID;

/**
 * Deterministic rollout ids: {@code id = UUIDv3(len(promptId) ":" promptId ":" policyVersion ":" seed)}.
 *
 * <p>The same prompt sampled by the same policy version with the same generator seed always gets
 * the same id, so a rollout re-generated after a crash or delivered twice is recognised downstream.
 * The prompt id is length-prefixed so that no two distinct triples share an input string.
 */
public final class RolloutIds {

    private RolloutIds() {}

    /** Returns the stable name-based (version 3) UUID string for the triple. */
    public static String of(String promptId, long policyVersion, long seed) {
        Objects.requireNonNull(promptId, "promptId");
        var name = promptId.length() + ":" + promptId + ":" + policyVersion + ":" + seed;
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }
}
