package io.prefstream.platform.topics;

import java.util.List;

/**
 * Topics that already exist with a configuration the dataflow cannot work with (wrong cleanup
 * policy, wrong fixed partition count). Never accepted silently: a compacted topic where a log
 * is expected loses records, and vice versa.
 */
public final class TopicMismatchException extends RuntimeException {

    private final List<String> problems;

    public TopicMismatchException(List<String> problems) {
        super("Existing topics do not match the catalogue: " + String.join("; ", problems)
                + ". Fix them with kafka-configs/kafka-topics, or delete them and let the provisioner recreate them.");
        this.problems = List.copyOf(problems);
    }

    /** One message per mismatched topic property. */
    public List<String> problems() {
        return problems;
    }
}
