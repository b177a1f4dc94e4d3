package io.prefstream.labeler;

import io.prefstream.schemas.LabelKind;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** A machine labeler that can be enabled with {@code labeler.machine}, and the label kind it writes. */
public enum MachineKind {
    /** The task's gold reward per completion. */
    RULE("rule", LabelKind.RULE),
    /** A local DJL reward-model checkpoint. */
    REWARD_MODEL("reward-model", LabelKind.REWARD_MODEL),
    /** A reward model behind an HTTP endpoint (OpenRLHF {@code --remote_rm_url} convention). */
    REMOTE("remote", LabelKind.REMOTE_RM);

    private final String id;
    private final LabelKind labelKind;

    MachineKind(String id, LabelKind labelKind) {
        this.id = id;
        this.labelKind = labelKind;
    }

    /** Config spelling, e.g. {@code reward-model}. */
    public String id() {
        return id;
    }

    public LabelKind labelKind() {
        return labelKind;
    }

    /** The consumer group of this labeler: {@code prefstream-labeler-<id>}. */
    public String consumerGroup() {
        return "prefstream-labeler-" + id;
    }

    /** Parses the config spelling. @throws IllegalArgumentException naming the allowed values */
    public static MachineKind parse(String text) {
        String wanted = text.trim().toLowerCase(Locale.ROOT);
        for (MachineKind k : values()) {
            if (k.id.equals(wanted)) {
                return k;
            }
        }
        throw new IllegalArgumentException("expected one of " + choices() + " but found '" + text + "'");
    }

    /** The config spelling, so config dumps read {@code [rule]}. */
    @Override
    public String toString() {
        return id;
    }

    /** {@code rule, reward-model, remote}. */
    public static String choices() {
        return Arrays.stream(values()).map(MachineKind::id).collect(Collectors.joining(", "));
    }
}
