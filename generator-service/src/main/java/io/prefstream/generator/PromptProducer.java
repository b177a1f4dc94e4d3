package io.prefstream.generator;

import io.prefstream.platform.config.CommonConfig;
import io.prefstream.platform.kafka.KafkaClients;
import io.prefstream.platform.kafka.TopicProducer;
import io.prefstream.schemas.Prompt;
import io.prefstream.schemas.registry.SchemaRegistries;
import io.prefstream.schemas.registry.SchemaRegistryClient;
import io.prefstream.schemas.topics.Topic;
import io.prefstream.schemas.topics.Topics;
import io.prefstream.tasks.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;

/**
 * Writes {@link Prompt} records to the prompts topic (key = prompt id, Confluent-framed Avro value):
 * the library behind {@code prefstream prompts produce} and {@code prefstream prompts load}. Any other
 * Kafka producer writing the {@code Prompt} schema works just as well.
 *
 * <pre>{@code
 * try (var producer = PromptProducer.create(commonConfig)) {
 *     producer.send(PromptProducer.taskPrompts(Tasks.byName("arithmetic"), 1000, 7));   // produce
 *     producer.send(JsonlPromptLoader.read(Path.of("prompts.jsonl"), "custom"));          // load
 * }
 * }</pre>
 */
public final class PromptProducer implements AutoCloseable {

    private final TopicProducer producer;
    private final Topic<Prompt> topic;
    private final AutoCloseable[] owned;

    /** Sends through {@code producer} (not closed here) to {@code topic}. */
    public PromptProducer(TopicProducer producer, Topic<Prompt> topic) {
        this(producer, topic, new AutoCloseable[0]);
    }

    private PromptProducer(TopicProducer producer, Topic<Prompt> topic, AutoCloseable[] owned) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.owned = owned;
    }

    /** An idempotent producer and registry client of its own, writing to {@code prefstream.prompts}. */
    public static PromptProducer create(CommonConfig config) {
        return create(config, Topics.PROMPTS);
    }

    /** An idempotent producer and registry client of its own, writing to {@code topic}. */
    public static PromptProducer create(CommonConfig config, Topic<Prompt> topic) {
        SchemaRegistryClient registry = SchemaRegistries.forUrl(config.schemaRegistryUrl(), config.kafkaProperties());
        TopicProducer producer = new KafkaClients(config).topicProducer(registry);
        return new PromptProducer(producer, topic, new AutoCloseable[] {producer, registry});
    }

    /**
     * {@code count} prompts of {@code task} drawn with {@code seed}. Ids are
     * {@code <task>-<seed>-<index>}, so producing the same (task, count, seed) again repeats the
     * same prompts under the same ids; metadata records the task, seed and index.
     */
    public static List<Prompt> taskPrompts(Task task, int count, long seed) {
        if (count < 0) {
            throw new IllegalArgumentException("--count: expected 0 or more prompts, found " + count);
        }
        List<String> texts = task.prompts(seed, count);
        long now = System.currentTimeMillis();
        var out = new ArrayList<Prompt>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            out.add(Prompt.newBuilder()
                    .setId(task.name() + "-" + seed + "-" + i)
                    .setTask(task.name())
                    .setText(texts.get(i))
                    .setTokenIds(null)
                    .setMetadata(Map.of("source", "task", "seed", Long.toString(seed), "index", Integer.toString(i)))
                    .setCreatedAtMs(now)
                    .build());
        }
        return out;
    }

    /**
     * Sends every prompt and waits until all are acknowledged.
     *
     * @return the number of prompts written
     * @throws KafkaException when a send fails (prompts before it may have been written)
     */
    public int send(List<Prompt> prompts) {
        var acks = new ArrayList<Future<RecordMetadata>>(prompts.size());
        for (Prompt p : prompts) {
            acks.add(producer.send(topic, p.getId(), p));
        }
        producer.flush();
        for (int i = 0; i < acks.size(); i++) {
            try {
                acks.get(i).get();
            } catch (ExecutionException e) {
                throw new KafkaException(
                        "Prompt " + prompts.get(i).getId() + " was not written to " + topic + ": "
                                + e.getCause().getMessage(),
                        e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaException("Interrupted while writing prompts to " + topic, e);
            }
        }
        return acks.size();
    }

    public String topic() {
        return topic.name();
    }

    @Override
    public void close() {
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception e) {
                throw new KafkaException("Cannot close " + c.getClass().getSimpleName() + ": " + e.getMessage(), e);
            }
        }
    }
}
