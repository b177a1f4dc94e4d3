package io.prefstream.launcher.soak;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.prefstream.platform.kafka.TopicProducer;
import io.prefstream.schemas.PreferencePair;
import io.prefstream.schemas.Prompt;
import io.prefstream.schemas.topics.Topic;
import io.prefstream.schemas.topics.Topics;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The bad records a soak sends: each {@link Kind} to each topic a service consumes, marked with
 * {@link SoakLedger#CORRUPT_HEADER} (a number) so that the soak can find each one's dead letter.
 * These are the kinds an operator's probe sent in issue 18: random bytes, an unknown schema id, a
 * valid record of another schema, an empty value, a truncated record, and a value of about 1 MB.
 */
final class CorruptRecords {

    /** Topics whose consumers must dead-letter what they cannot read. */
    static final List<Topic<?>> TARGETS =
            List.of(Topics.PROMPTS, Topics.ROLLOUTS, Topics.LABELS, Topics.PREFERENCES, Topics.TRAINING_BATCHES);

    /** What is wrong with a record. */
    enum Kind {
        RANDOM_BYTES,
        UNKNOWN_SCHEMA_ID,
        WRONG_SCHEMA,
        EMPTY,
        TRUNCATED,
        /** 1,040,000 bytes: with its dead-letter headers over the producer's 1 MiB limit unless bounded. */
        OVERSIZED;

        String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    static final int OVERSIZED_BYTES = 1_040_000;

    private final Random random;
    private final byte[] wrongSchema;
    private final byte[] validPrompt;
    private int next;

    /** Encodes the valid records the kinds are made of with {@code producer}'s registry. */
    CorruptRecords(TopicProducer producer, long seed) {
        this.random = new Random(seed);
        PreferencePair pair = PreferencePair.newBuilder()
                .setId("soak-wrong-schema")
                .setPromptText("1+1=")
                .setPromptTokenIds(null)
                .setChosenText("2")
                .setRejectedText("3")
                .setChosenTokenIds(null)
                .setRejectedTokenIds(null)
                .setChosenRefLogprob(null)
                .setRejectedRefLogprob(null)
                .setChosenReward(null)
                .setRejectedReward(null)
                .setSource("soak")
                .build();
        this.wrongSchema = producer.codec(Topics.OFFLINE_PREFERENCES).encode(pair);
        this.validPrompt = producer.codec(Topics.PROMPTS)
                .encode(Prompt.newBuilder()
                        .setId("soak-truncated")
                        .setTask("arithmetic")
                        .setText("12+34=")
                        .setTokenIds(null)
                        .setMetadata(Map.of("source", "soak"))
                        .setCreatedAtMs(0L)
                        .build());
    }

    /**
     * Sends one record of every kind to every target topic, records each in {@code ledger}, and
     * waits until the broker has them all.
     *
     * @return how many were sent
     */
    int send(TopicProducer producer, SoakLedger ledger) {
        var sent = new ArrayList<CompletableFuture<?>>();
        for (Topic<?> topic : TARGETS) {
            for (Kind kind : Kind.values()) {
                int number = next++;
                var record =
                        new ProducerRecord<>(topic.name(), ("soak-corrupt-" + number).getBytes(UTF_8), value(kind));
                record.headers()
                        .add(SoakLedger.CORRUPT_HEADER, Integer.toString(number).getBytes(UTF_8));
                record.headers().add("soak.kind", kind.label().getBytes(UTF_8));
                ledger.injected(number, topic.name() + " " + kind.label());
                sent.add(producer.send(record));
            }
        }
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
        return sent.size();
    }

    private byte[] value(Kind kind) {
        return switch (kind) {
            case RANDOM_BYTES -> {
                byte[] b = new byte[64];
                random.nextBytes(b);
                b[0] = 7; // not the wire format's magic byte
                yield b;
            }
            case UNKNOWN_SCHEMA_ID -> {
                var b = ByteBuffer.allocate(1 + 4 + 24);
                b.put((byte) 0).putInt(987_654);
                byte[] rest = new byte[24];
                random.nextBytes(rest);
                yield b.put(rest).array();
            }
            case WRONG_SCHEMA -> wrongSchema.clone(); // an offline pair, framed with its real schema id
            case TRUNCATED -> Arrays.copyOf(validPrompt, validPrompt.length / 2); // a prompt cut in half
            case EMPTY -> new byte[0];
            case OVERSIZED -> {
                byte[] b = new byte[OVERSIZED_BYTES];
                random.nextBytes(b);
                yield b;
            }
        };
    }
}
