package io.prefstream.tasks;

import java.util.Objects;

/**
 * One supervised fine-tuning example: the model learns to continue {@code prompt} with
 * {@code response} followed by EOS.
 *
 * @param prompt the prompt text, e.g. {@code "47+38="}
 * @param response the target continuation without EOS, e.g. {@code "85"}
 */
public record SftExample(String prompt, String response) {

    public SftExample {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(response, "response");
    }
}
