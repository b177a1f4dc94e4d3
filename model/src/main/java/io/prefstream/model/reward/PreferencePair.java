package io.prefstream.model.reward;

import java.util.Objects;

/**
 * A labelled comparison: {@code chosen} is preferred to {@code rejected} as a response to {@code prompt}.
 * Responses are completed texts (EOS is appended when encoding).
 */
public record PreferencePair(String prompt, String chosen, String rejected) {

    public PreferencePair {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(chosen, "chosen");
        Objects.requireNonNull(rejected, "rejected");
    }
}
