package io.prefstream.model.lm;

/** Why sampling of one sequence stopped: it drew EOS, or it reached the token limit. */
public enum FinishReason {
    EOS,
    LENGTH
}
