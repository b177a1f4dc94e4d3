package io.prefstream.examples;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.prefstream.schemas.Judgement;
import io.prefstream.schemas.Label;
import io.prefstream.schemas.LabelCandidate;
import io.prefstream.schemas.LabelKind;
import io.prefstream.schemas.LabelRequest;
import io.prefstream.schemas.Verdict;
import io.prefstream.schemas.registry.SchemaRegistries;
import io.prefstream.schemas.serde.RecordDecodingException;
import io.prefstream.schemas.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An external labeler: any Kafka client can answer Prefstream's label requests. It consumes
 * {@code prefstream.label-requests}, judges each request of its kind with a simple rule (the
 * shorter completion wins; equal lengths are a tie) and writes a {@link Label} to
 * {@code prefstream.labels} keyed by rollout id, then commits the request's offset. It stops after
 * {@code --max} labels (or {@code --idle-ms} without a request).
 *
 * <pre>
 * java -cp examples.jar io.prefstream.examples.ExternalLabeler --bootstrap localhost:9092 \
 *     --registry http://localhost:8081 --labeler-id shortest-bot --max 100
 * </pre>
 *
 * Options: {@code --bootstrap} Kafka servers, {@code --registry} Schema Registry URL, {@code --labeler-id}
 * id written into labels, {@code --max} labels to write; optional {@code --group} (default
 * {@code prefstream-external-<labeler-id>}), {@code --kind} requests to answer and label kind to write
 * (default HUMAN: a stand-in for a crowd platform), {@code --idle-ms} (default 0: wait forever).
 */
public final class ExternalLabeler {

    private static final Logger log = LoggerFactory.getLogger(ExternalLabeler.class);
    static final String REQUESTS = Topics.LABEL_REQUESTS.name();
    static final String LABELS = Topics.LABELS.name();
    static final String VERSION = "shorter-wins/1";

    private ExternalLabeler() {}

    /** Command-line options. */
    public record Options(
            String bootstrap, String registry, String labelerId, int max, String group, LabelKind kind, Duration idle) {

        /** Parses {@code --name value} or {@code --name=value}. @throws IllegalArgumentException on bad input */
        public static Options parse(String... args) {
            var values = new HashMap<String, String>();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                if (!arg.startsWith("--")) {
                    throw new IllegalArgumentException("expected an option like --bootstrap, found '" + arg + "'");
                }
                int eq = arg.indexOf('=');
                if (eq > 0) {
                    values.put(arg.substring(2, eq), arg.substring(eq + 1));
                } else if (i + 1 < args.length) {
                    values.put(arg.substring(2), args[++i]);
                } else {
                    throw new IllegalArgumentException("option " + arg + " needs a value");
                }
            }
            for (String known : List.of("bootstrap", "registry", "labeler-id", "max", "group", "kind", "idle-ms")) {
                values.putIfAbsent(known, "");
            }
            if (values.size() > 7) {
                values.keySet()
                        .removeAll(List.of("bootstrap", "registry", "labeler-id", "max", "group", "kind", "idle-ms"));
                throw new IllegalArgumentException("unknown option(s) " + values.keySet() + "; expected --bootstrap, "
                        + "--registry, --labeler-id, --max, --group, --kind, --idle-ms");
            }
            String bootstrap = required(values, "bootstrap", "host:port of a Kafka broker");
            String registry = required(values, "registry", "a Schema Registry URL, e.g. http://localhost:8081");
            String labelerId = required(values, "labeler-id", "the id to write into labels");
            int max = positive(values, "max");
            String group = values.get("group").isEmpty() ? "prefstream-external-" + labelerId : values.get("group");
            LabelKind kind;
            try {
                kind = values.get("kind").isEmpty()
                        ? LabelKind.HUMAN
                        : LabelKind.valueOf(values.get("kind").toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--kind: expected one of " + List.of(LabelKind.values())
                        + ", found '" + values.get("kind") + "'");
            }
            long idle = values.get("idle-ms").isEmpty() ? 0 : nonNegative(values, "idle-ms");
            return new Options(bootstrap, registry, labelerId, max, group, kind, Duration.ofMillis(idle));
        }

        private static String required(Map<String, String> values, String name, String what) {
            String v = values.get(name);
            if (v.isBlank()) {
                throw new IllegalArgumentException("--" + name + " is required: " + what);
            }
            return v;
        }

        private static int positive(Map<String, String> values, String name) {
            String v = required(values, name, "a positive number");
            try {
                int n = Integer.parseInt(v);
                if (n > 0) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException("--" + name + ": expected a positive integer, found '" + v + "'");
        }

        private static long nonNegative(Map<String, String> values, String name) {
            String v = values.get(name);
            try {
                long n = Long.parseLong(v);
                if (n >= 0) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException("--" + name + ": expected milliseconds >= 0, found '" + v + "'");
        }
    }

    public static void main(String[] args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            log.error(
                    "{}\nusage: ExternalLabeler --bootstrap HOST:PORT --registry URL --labeler-id ID --max N "
                            + "[--group G] [--kind HUMAN|AI_JUDGE|...] [--idle-ms MS]",
                    e.getMessage());
            System.exit(2);
            return;
        }
        int written = run(options);
        log.info("{} wrote {} labels", options.labelerId(), written);
    }

    /** The judgement of the rule: the shorter completion wins, equal lengths tie. */
    static Judgement judge(List<LabelCandidate> candidates) {
        LabelCandidate a = candidates.get(0);
        LabelCandidate b = candidates.get(1);
        int la = a.getText().length();
        int lb = b.getText().length();
        var shown = List.of(a.getIndex(), b.getIndex());
        if (la == lb) {
            return new Judgement(a.getIndex(), b.getIndex(), Verdict.TIE, null, shown);
        }
        return la < lb
                ? new Judgement(a.getIndex(), b.getIndex(), Verdict.PREFERENCE, 1.0, shown)
                : new Judgement(b.getIndex(), a.getIndex(), Verdict.PREFERENCE, 1.0, shown);
    }

    /** Labels requests until {@code max} labels are written (or the idle time passes); returns how many. */
    public static int run(Options o) {
        var registry = SchemaRegistries.forUrl(o.registry(), Map.of());
        var requests = Topics.LABEL_REQUESTS.codec(registry);
        var labels = Topics.LABELS.codec(registry);
        Map<String, Object> consumerProps = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                o.bootstrap(),
                ConsumerConfig.GROUP_ID_CONFIG,
                o.group(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                "false",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                "50");
        Map<String, Object> producerProps = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                o.bootstrap(),
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                "true");
        int written = 0;
        try (registry;
                var consumer =
                        new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer());
                var producer =
                        new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer())) {
            consumer.subscribe(List.of(REQUESTS));
            long lastWork = System.currentTimeMillis();
            while (written < o.max()) {
                var records = consumer.poll(Duration.ofMillis(500));
                if (records.isEmpty()) {
                    if (!o.idle().isZero()
                            && System.currentTimeMillis() - lastWork > o.idle().toMillis()) {
                        log.info(
                                "No label request for {} ms; stopping", o.idle().toMillis());
                        break;
                    }
                    continue;
                }
                lastWork = System.currentTimeMillis();
                var sends = new ArrayList<Future<?>>();
                var offsets = new HashMap<TopicPartition, OffsetAndMetadata>();
                for (var record : records) {
                    if (written >= o.max()) {
                        break; // leave the rest uncommitted for the next labeler
                    }
                    offsets.put(
                            new TopicPartition(record.topic(), record.partition()),
                            new OffsetAndMetadata(record.offset() + 1));
                    LabelRequest request;
                    try {
                        request = requests.decode(record);
                    } catch (RecordDecodingException e) {
                        log.warn(
                                "Skipping undecodable request at {}-{}@{}: {}",
                                record.topic(),
                                record.partition(),
                                record.offset(),
                                e.reason());
                        continue;
                    }
                    if (request == null
                            || request.getRequestedKind() != o.kind()
                            || request.getCandidates().size() < 2) {
                        continue; // someone else's request, or nothing to compare
                    }
                    var label = new Label(
                            UUID.nameUUIDFromBytes(("external:" + o.labelerId() + ":" + request.getRequestId())
                                            .getBytes(UTF_8))
                                    .toString(),
                            request.getRolloutId(),
                            request.getRequestId(),
                            o.labelerId(),
                            o.kind(),
                            null,
                            judge(request.getCandidates()),
                            null,
                            "the shorter completion wins",
                            null,
                            VERSION,
                            System.currentTimeMillis());
                    sends.add(producer.send(new ProducerRecord<>(
                            LABELS, request.getRolloutId().getBytes(UTF_8), labels.encode(label))));
                    written++;
                }
                for (Future<?> send : sends) {
                    send.get(); // labels acknowledged before their requests' offsets are committed
                }
                consumer.commitSync(offsets);
            }
        } catch (Exception e) {
            throw new IllegalStateException(
                    "external labeler " + o.labelerId() + " failed after " + written + " labels: " + e.getMessage(), e);
        }
        return written;
    }
}
