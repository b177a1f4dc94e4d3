package io.prefstream.labeler.human;

import io.prefstream.labeler.LabelerSettings;
import io.prefstream.platform.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The labeling API's tokens: the fixed {@code labeler.tokens} plus those of
 * {@code labeler.http.token-file}, one {@code labeler-id:token} per line ({@code #} comments and
 * blank lines skipped). The file is re-read whenever its modification time or size changes, checked
 * on every {@link #get()} (one {@code stat}), so adding a line admits a labeler and deleting it
 * revokes them on their next request, without a restart.
 *
 * <p>Rule: an invalid file at start-up is a configuration error; an invalid edit later keeps the
 * last valid tokens and logs which line is wrong (never a token); a deleted file revokes all of its
 * tokens. Thread-safe.
 */
public final class TokenFile implements Supplier<LabelerTokens> {

    private static final Logger log = LoggerFactory.getLogger(TokenFile.class);

    private final LabelerTokens fixed;
    private final Path file;
    private Object version;
    private LabelerTokens current;

    /**
     * @param file null for none: {@link #get()} is then always {@code fixed}
     * @throws ConfigException naming {@code labeler.http.token-file} and the bad line when the file is invalid
     */
    public TokenFile(LabelerTokens fixed, Path file) {
        this.fixed = fixed;
        this.file = file;
        this.current = fixed;
        if (file != null) {
            version = version();
            current = fixed.plus(read());
            current.error().ifPresent(why -> {
                throw new ConfigException(
                        LabelerSettings.TOKEN_FILE.key(),
                        "Invalid token file " + file + " (" + LabelerSettings.TOKEN_FILE.key() + "): " + why
                                + " (tokens not shown)");
            });
        }
    }

    /** The tokens now valid, re-reading the file if it changed. */
    @Override
    public synchronized LabelerTokens get() {
        if (file == null) {
            return fixed;
        }
        Object now = version();
        if (!now.equals(version)) {
            version = now;
            LabelerTokens reread = fixed.plus(read());
            if (reread.error().isPresent()) {
                log.warn(
                        "Token file {} changed but is invalid ({}); keeping the previous {} labeler(s)",
                        file,
                        reread.error().get(),
                        current.labelerIds().size());
            } else {
                log.info("Token file {} re-read: labelers {}", file, reread.labelerIds());
                current = reread;
            }
        }
        return current;
    }

    private Object version() {
        try {
            var a = Files.readAttributes(file, BasicFileAttributes.class);
            return List.of(a.lastModifiedTime(), a.size());
        } catch (IOException e) {
            return "missing";
        }
    }

    private LabelerTokens read() {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            log.warn("Token file {} is gone: its labelers are revoked", file);
            return LabelerTokens.none();
        } catch (IOException e) {
            return invalid("cannot read the file (" + e.getClass().getSimpleName() + ")");
        }
        var all = LabelerTokens.none();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            var one = LabelerTokens.parse(line);
            if (line.contains(",") || one.error().isPresent()) {
                return invalid("line " + (i + 1) + ": expected one labeler-id:token (labeler id of 1-64 characters "
                        + "of [A-Za-z0-9._@-], a non-empty token without ',')");
            }
            all = all.plus(one);
            if (all.error().isPresent()) {
                return invalid("line " + (i + 1) + ": " + all.error().get());
            }
        }
        return all;
    }

    private static LabelerTokens invalid(String why) {
        return LabelerTokens.invalidBecause(why);
    }
}
