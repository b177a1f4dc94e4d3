package io.prefstream.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Append-only, fsync'd JSON-lines journal of {@link RegistryEvent}s: an event is acknowledged only
 * after its line is on disk, so replaying the file restores every acknowledged subject, version,
 * id and compatibility level. A torn last line (crash mid-append, never acknowledged) is cut off on
 * open; a malformed complete line is corruption and fails the open.
 */
final class RegistryJournal implements AutoCloseable {
    static final String FILE_NAME = "schema-registry.journal";
    private static final Logger log = LoggerFactory.getLogger(RegistryJournal.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final FileChannel channel;

    private RegistryJournal(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /** Opens (creating if needed) the journal in {@code dataDir}, feeding every stored event to {@code replay}. */
    static RegistryJournal open(Path dataDir, Consumer<RegistryEvent> replay) {
        var file = dataDir.resolve(FILE_NAME);
        try {
            Files.createDirectories(dataDir);
            long validLength = 0;
            int events = 0;
            if (Files.exists(file)) {
                byte[] bytes = Files.readAllBytes(file);
                int lineStart = 0;
                int lineNumber = 0;
                for (int i = 0; i < bytes.length; i++) {
                    if (bytes[i] != '\n') {
                        continue;
                    }
                    lineNumber++;
                    var line = new String(bytes, lineStart, i - lineStart, StandardCharsets.UTF_8);
                    if (!line.isBlank()) {
                        replay.accept(parse(line, file, lineNumber));
                        events++;
                    }
                    lineStart = i + 1;
                }
                validLength = lineStart;
                if (validLength < bytes.length) {
                    log.warn(
                            "Schema registry journal {}: dropping {} bytes of an unfinished last line (crash during append)",
                            file,
                            bytes.length - validLength);
                }
            }
            var channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            channel.truncate(validLength);
            channel.position(validLength);
            log.info("Schema registry journal {} opened: {} events replayed", file, events);
            return new RegistryJournal(file, channel);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open schema registry journal " + file, e);
        }
    }

    /** Appends {@code event} and forces it to disk before returning. */
    synchronized void append(RegistryEvent event) {
        var line = (JSON.valueToTree(toJson(event)).toString() + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            var buffer = ByteBuffer.wrap(line);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(false);
        } catch (IOException e) {
            throw new SchemaRegistryException(
                    ErrorCodes.STORE_ERROR, "cannot append to schema registry journal " + file, e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            channel.close();
        } catch (IOException e) {
            log.warn("Closing schema registry journal {} failed", file, e);
        }
    }

    private static Object toJson(RegistryEvent event) {
        var node = JSON.createObjectNode();
        if (event instanceof RegistryEvent.Registered r) {
            node.put("op", "register")
                    .put("subject", r.subject())
                    .put("version", r.version())
                    .put("id", r.id())
                    .put("schema", r.schema());
        } else if (event instanceof RegistryEvent.CompatibilitySet c) {
            node.put("op", "compatibility")
                    .put("subject", c.subject())
                    .put("level", c.level().name());
        }
        return node;
    }

    private static RegistryEvent parse(String line, Path file, int lineNumber) {
        try {
            JsonNode node = JSON.readTree(line);
            var op = node.path("op").asText();
            return switch (op) {
                case "register" ->
                    new RegistryEvent.Registered(
                            required(node, "subject").asText(),
                            required(node, "version").asInt(),
                            required(node, "id").asInt(),
                            required(node, "schema").asText());
                case "compatibility" ->
                    new RegistryEvent.CompatibilitySet(
                            node.path("subject").isNull()
                                            || node.path("subject").isMissingNode()
                                    ? null
                                    : node.get("subject").asText(),
                            CompatibilityLevel.parse(required(node, "level").asText()));
                default ->
                    throw new IllegalArgumentException(
                            "op: expected 'register' or 'compatibility', found '" + op + "'");
            };
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException(
                    "schema registry journal " + file + " line " + lineNumber
                            + " is corrupt: expected a JSON event, found '" + line + "' (" + e.getMessage()
                            + "); restore the file or remove the line",
                    e);
        }
    }

    private static JsonNode required(JsonNode node, String field) {
        var value = node.get(field);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException("missing field '" + field + "'");
        }
        return value;
    }
}
