package io.prefstream.generator;

import io.prefstream.platform.consumer.Rejection;
import java.util.Objects;

/**
 * A prompt record the generator cannot sample: its {@link #reason()} is the short code written to
 * the {@code dlq.reason} header, the message says what was expected and what was found.
 */
public final class InvalidPromptException extends Exception implements Rejection {

    /** The record's bytes are not a {@code Prompt} (or the value is null). */
    public static final String UNDECODABLE = "undecodable";
    /** The prompt has no id to key its rollout by. */
    public static final String MISSING_ID = "missing-id";
    /** Neither text nor token ids. */
    public static final String EMPTY = "empty-prompt";
    /** The text has characters the policy's tokenizer cannot encode. */
    public static final String UNTOKENIZABLE = "untokenizable";
    /** Given token ids are out of the vocabulary or lack the leading BOS. */
    public static final String INVALID_TOKEN_IDS = "invalid-token-ids";
    /** Prompt plus max-new-tokens does not fit the model's context. */
    public static final String TOO_LONG = "prompt-too-long";
    /** The model failed on this prompt alone. */
    public static final String SAMPLING_FAILED = "sampling-failed";

    private final String reason;

    public InvalidPromptException(String reason, String message) {
        this(reason, message, null);
    }

    public InvalidPromptException(String reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** Short machine-readable reason, one of the constants of this class. */
    @Override
    public String reason() {
        return reason;
    }
}
