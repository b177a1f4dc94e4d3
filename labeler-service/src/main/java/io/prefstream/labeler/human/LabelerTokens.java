package io.prefstream.labeler.human;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Bearer tokens of the human labeling API and the labeler id each one stands for, parsed from
 * {@code labeler.tokens} ({@code alice:token1,bob:token2}; env {@code PREFSTREAM_LABELER_TOKENS}).
 *
 * <p>Rule: a token never leaves this class. Only SHA-256 digests are kept, a presented token is
 * compared with every entry using {@link MessageDigest#isEqual} on equal-length digests (no early
 * exit, so timing does not reveal which prefix matched), and {@link #toString()} and parse errors
 * name labeler ids and entry positions only. Parsing never throws: a malformed value is kept as
 * {@link #error()} so the config record can reject it without the setting machinery echoing the
 * raw text (which would print the tokens).
 */
public final class LabelerTokens {

    private static final Pattern LABELER_ID = Pattern.compile("[A-Za-z0-9._@-]{1,64}");

    private final List<Entry> entries;
    private final String error;

    private LabelerTokens(List<Entry> entries, String error) {
        this.entries = List.copyOf(entries);
        this.error = error;
    }

    /** No tokens: every API call is unauthorised. */
    public static LabelerTokens none() {
        return new LabelerTokens(List.of(), null);
    }

    /** Parses {@code id:token[,id:token...]}; blank text means no tokens. */
    public static LabelerTokens parse(String text) {
        if (text == null || text.isBlank()) {
            return none();
        }
        var entries = new ArrayList<Entry>();
        String[] parts = text.split(",");
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i].trim();
            int colon = part.indexOf(':');
            if (colon < 0) {
                return invalid("entry " + (i + 1) + " has no ':'; expected <labeler-id>:<token>");
            }
            String id = part.substring(0, colon).trim();
            String token = part.substring(colon + 1).trim();
            if (!LABELER_ID.matcher(id).matches()) {
                return invalid("entry " + (i + 1) + " has an invalid labeler id; expected 1-64 characters of "
                        + "[A-Za-z0-9._@-]");
            }
            if (token.isEmpty()) {
                return invalid("entry " + (i + 1) + " (labeler '" + id + "') has an empty token");
            }
            byte[] digest = sha256(token);
            for (Entry e : entries) {
                if (MessageDigest.isEqual(e.digest(), digest)) {
                    return invalid("labelers '" + e.labelerId() + "' and '" + id + "' share one token; "
                            + "give every labeler its own");
                }
            }
            entries.add(new Entry(id, digest));
        }
        return new LabelerTokens(entries, null);
    }

    /**
     * These tokens and {@code other}'s together; invalid when either is, or when one token is given
     * to two labelers.
     */
    public LabelerTokens plus(LabelerTokens other) {
        if (error != null) {
            return this;
        }
        if (other.error != null) {
            return other;
        }
        var all = new ArrayList<>(entries);
        for (Entry e : other.entries) {
            for (Entry mine : entries) {
                if (MessageDigest.isEqual(mine.digest(), e.digest())) {
                    return invalid("labelers '" + mine.labelerId() + "' and '" + e.labelerId() + "' share one token; "
                            + "give every labeler its own");
                }
            }
            all.add(e);
        }
        return new LabelerTokens(all, null);
    }

    /** Tokens rejected for {@code why} (which must not contain a token). */
    static LabelerTokens invalidBecause(String why) {
        return invalid(why);
    }

    private static LabelerTokens invalid(String why) {
        return new LabelerTokens(List.of(), why);
    }

    /** Why the configured value was rejected (never containing a token), or empty when it is valid. */
    public Optional<String> error() {
        return Optional.ofNullable(error);
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The configured labeler ids, in configuration order. */
    public Set<String> labelerIds() {
        return entries.stream().map(Entry::labelerId).collect(Collectors.toCollection(LinkedHashSet::new));
    }

    /** The labeler {@code token} belongs to; compares against every entry in constant time. */
    public Optional<String> labelerFor(String token) {
        if (token == null || token.isEmpty()) {
            return Optional.empty();
        }
        byte[] digest = sha256(token);
        String found = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(e.digest(), digest) && found == null) {
                found = e.labelerId();
            }
        }
        return Optional.ofNullable(found);
    }

    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    /** Masked: {@code [alice:******, bob:******]}. */
    @Override
    public String toString() {
        if (error != null) {
            return "<invalid: " + error + ">";
        }
        return entries.stream().map(e -> e.labelerId() + ":******").collect(Collectors.joining(", ", "[", "]"));
    }

    private record Entry(String labelerId, byte[] digest) {}
}
