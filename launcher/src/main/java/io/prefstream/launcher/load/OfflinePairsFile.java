package io.prefstream.launcher.load;

import io.prefstream.schemas.PreferencePair;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * An offline preference dataset in JSON Lines, one pair per line:
 * <pre>{"prompt": "12+30=", "chosen": "42", "rejected": "41", "id": "row-1", "source": "my-set"}</pre>
 * {@code prompt}, {@code chosen} and {@code rejected} are required non-empty strings and
 * {@code chosen ≠ rejected}; {@code id} (default: a hash of the three texts) and {@code source}
 * (default: the file name) are optional; so are {@code chosen_reward} and {@code rejected_reward}.
 * Ids must be unique within the file. Token ids and reference log-probs are left for the
 * trainer to compute.
 */
public final class OfflinePairsFile {

    private static final Set<String> FIELDS =
            Set.of("prompt", "chosen", "rejected", "id", "source", "chosen_reward", "rejected_reward");

    private OfflinePairsFile() {}

    /**
     * Parses and validates the whole file.
     *
     * @throws InvalidInputException listing every bad line; nothing is returned from an invalid file
     */
    public static List<PreferencePair> read(Path file) {
        String defaultSource = file.getFileName().toString();
        var seen = new HashMap<String, Integer>();
        return JsonlReader.read(file, (line, number) -> {
            JsonlReader.onlyFields(line, FIELDS);
            String prompt = JsonlReader.requiredText(line, "prompt");
            String chosen = JsonlReader.requiredText(line, "chosen");
            String rejected = JsonlReader.requiredText(line, "rejected");
            if (chosen.equals(rejected)) {
                throw new IllegalArgumentException(
                        "\"chosen\" and \"rejected\" are the same text: a pair needs two " + "different responses");
            }
            String id = JsonlReader.optionalText(line, "id");
            if (id == null) {
                id = contentId(prompt, chosen, rejected);
            }
            Integer previous = seen.putIfAbsent(id, number);
            if (previous != null) {
                throw new IllegalArgumentException("id \"" + id + "\" repeats line " + previous
                        + (line.has("id") ? "" : " (same prompt, chosen and rejected)"));
            }
            String source = JsonlReader.optionalText(line, "source");
            return PreferencePair.newBuilder()
                    .setId(id)
                    .setPromptText(prompt)
                    .setChosenText(chosen)
                    .setRejectedText(rejected)
                    .setChosenReward(JsonlReader.optionalNumber(line, "chosen_reward"))
                    .setRejectedReward(JsonlReader.optionalNumber(line, "rejected_reward"))
                    .setSource(source == null ? defaultSource : source)
                    .build();
        });
    }

    /** {@code sha256:<first 24 hex digits>} of prompt, chosen and rejected, NUL-separated. */
    static String contentId(String prompt, String chosen, String rejected) {
        try {
            var digest = MessageDigest.getInstance("SHA-256")
                    .digest((prompt + '\0' + chosen + '\0' + rejected).getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(digest).substring(0, 24);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
