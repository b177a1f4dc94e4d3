package io.prefstream.launcher.settings;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, one name, one type: services read and write typed topics. Outside {@code schemas} and
 * {@code platform} no main source declares a byte-array Kafka client, builds an Avro encoder,
 * decoder or serde by hand, or polls a {@code KafkaConsumer} of its own; they use
 * {@code Topic.codec}, {@code TopicProducer}, {@code TopicReader}, {@code TopicWriter} and
 * {@code ConsumerLoop}. The one exception is {@code examples/ExternalLabeler}, whose point is
 * that a plain Kafka client in any language can answer label requests.
 */
class KafkaPlumbingTest {

    private static final Pattern FORBIDDEN = Pattern.compile("(Consumer|Producer)<byte\\[\\], byte\\[\\]>"
            + "|new (KafkaConsumer|KafkaProducer)<"
            + "|new Avro(Encoder|Decoder|Serde|Serializer|Deserializer)<"
            + "|Avro(Encoder|Decoder|Serializer|Deserializer)<\\w+>");

    private static final List<String> PLUMBING_MODULES = List.of("schemas", "platform");
    private static final String EXAMPLE = "ExternalLabeler.java";

    @Test
    void onlyThePlatformHoldsRawClientsAndCodecs() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(root.resolve("platform").resolve("src"))) {
            root = root.getParent();
        }
        var hits = new ArrayList<String>();
        try (Stream<Path> modules = Files.list(root)) {
            for (Path module : modules.sorted().toList()) {
                Path java = module.resolve("src/main/java");
                if (PLUMBING_MODULES.contains(module.getFileName().toString()) || !Files.isDirectory(java)) {
                    continue;
                }
                try (Stream<Path> files = Files.walk(java)) {
                    for (Path file : files.filter(f -> f.toString().endsWith(".java"))
                            .sorted()
                            .toList()) {
                        if (file.getFileName().toString().equals(EXAMPLE)) {
                            continue;
                        }
                        List<String> lines = Files.readAllLines(file);
                        for (int i = 0; i < lines.size(); i++) {
                            if (!lines.get(i).startsWith("import ")
                                    && FORBIDDEN.matcher(lines.get(i)).find()) {
                                hits.add(root.relativize(file) + ":" + (i + 1) + ": "
                                        + lines.get(i).trim());
                            }
                        }
                    }
                }
            }
        }
        assertTrue(
                hits.isEmpty(),
                "Raw Kafka clients or hand-built Avro codecs outside schemas/platform (" + hits.size() + "):\n"
                        + String.join("\n", hits));
    }
}
