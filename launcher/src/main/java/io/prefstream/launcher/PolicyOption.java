package io.prefstream.launcher;

import io.prefstream.model.checkpoint.Checkpoints;
import io.prefstream.model.hf.HuggingFace;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks a {@code --policy DIR} argument before anything starts. */
final class PolicyOption {

    private PolicyOption() {}

    /**
     * {@code dir}, absolute, when it is a Prefstream checkpoint or a Hugging Face model folder.
     *
     * @throws UsageException naming {@code flag}, what was expected and what was found
     */
    static Path requireFolder(Path dir, String flag) {
        Path abs = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs)) {
            throw new UsageException(
                    flag + " " + dir + ": no such directory; expected a Hugging Face model "
                            + "folder (config.json, model.safetensors or its index, tokenizer.json) or a Prefstream checkpoint");
        }
        if (!HuggingFace.isModelFolder(abs) && !Files.isRegularFile(abs.resolve(Checkpoints.MANIFEST))) {
            String found;
            try (var files = Files.list(abs)) {
                found = files.map(p -> p.getFileName().toString())
                        .sorted()
                        .limit(12)
                        .toList()
                        .toString();
            } catch (java.io.IOException e) {
                found = "(unreadable: " + e.getMessage() + ")";
            }
            throw new UsageException(flag + " " + dir + " is not a model folder: expected config.json with "
                    + "model.safetensors (or model.safetensors.index.json) and tokenizer.json, or a Prefstream "
                    + "checkpoint (manifest.properties); found " + found);
        }
        return abs;
    }
}
