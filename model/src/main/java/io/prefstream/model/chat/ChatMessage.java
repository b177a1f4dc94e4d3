package io.prefstream.model.chat;

/**
 * One turn of a chat, as transformers' {@code apply_chat_template} takes it: {@code {"role": ..., "content": ...}}.
 * Templates compare the role with {@code "system"}, {@code "user"} and {@code "assistant"} (some also know
 * {@code "tool"} or {@code "ipython"}); the role is not checked here, since the template decides what it accepts.
 *
 * @param role    who speaks; not null or blank
 * @param content what is said; not null, may be empty
 */
public record ChatMessage(String role, String content) {

    public ChatMessage {
        if (role == null || role.isBlank()) {
            throw new IllegalArgumentException("chat message role must be a non-blank string such as \"system\", "
                    + "\"user\" or \"assistant\"; found " + (role == null ? "null" : "'" + role + "'"));
        }
        if (content == null) {
            throw new IllegalArgumentException("chat message content must be a string (\"\" for an empty turn); "
                    + "found null for role '" + role + "'");
        }
    }

    /** A {@code "system"} turn. */
    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    /** A {@code "user"} turn. */
    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    /** An {@code "assistant"} turn. */
    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }
}
