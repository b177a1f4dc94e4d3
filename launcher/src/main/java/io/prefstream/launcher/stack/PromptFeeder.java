package io.prefstream.launcher.stack;

import io.prefstream.generator.PromptProducer;
import io.prefstream.platform.kafka.KafkaClients;
import io.prefstream.platform.lag.ConsumerLagReader;
import io.prefstream.schemas.topics.Topics;
import io.prefstream.tasks.Task;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the generators fed during an all-in-one run: a thread that tops the prompt backlog
 * (records of {@code prefstream.prompts} the generator group has not consumed) up to
 * {@code backlog} whenever it falls below half of it, with fresh prompts from the task's seeded
 * source. A bounded backlog keeps every prompt close to the policy that will answer it, and the
 * run never runs dry however long it lasts. Batch {@code n} draws its prompts with seed
 * {@code seed + n}, so prompt ids never repeat within a run and a run is reproducible.
 */
public final class PromptFeeder implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PromptFeeder.class);
    private static final long CHECK_MS = 250;

    private final Task task;
    private final String generatorGroup;
    private final int backlog;
    private final long seed;
    private final KafkaClients clients;
    private final Thread thread;
    private final AtomicLong produced = new AtomicLong();
    private volatile boolean running = true;
    private volatile Exception failure;

    private PromptFeeder(Task task, String generatorGroup, int backlog, long seed, KafkaClients clients) {
        if (backlog < 1) {
            throw new IllegalArgumentException("prompt backlog must be at least 1, found " + backlog);
        }
        this.task = task;
        this.generatorGroup = generatorGroup;
        this.backlog = backlog;
        this.seed = seed;
        this.clients = clients;
        this.thread = new Thread(this::loop, "prompt-feeder");
        this.thread.setDaemon(true);
    }

    /** Starts feeding {@code task}'s prompts for consumer group {@code generatorGroup}. */
    public static PromptFeeder start(Task task, String generatorGroup, int backlog, long seed, KafkaClients clients) {
        var feeder = new PromptFeeder(task, generatorGroup, backlog, seed, clients);
        feeder.thread.start();
        return feeder;
    }

    private void loop() {
        long batch = 0;
        try (Admin admin = clients.admin();
                var producer = PromptProducer.create(clients.config())) {
            var lag = new ConsumerLagReader(admin);
            while (running) {
                long pending = lag.totalLag(generatorGroup, Topics.PROMPTS.name());
                if (pending < (backlog + 1) / 2) {
                    int count = (int) (backlog - pending);
                    produced.addAndGet(producer.send(PromptProducer.taskPrompts(task, count, seed + batch)));
                    batch++;
                }
                Thread.sleep(CHECK_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            if (running) {
                failure = e;
                log.error("Prompt feeder stopped: {}", e.toString(), e);
            }
        }
    }

    /** Prompts produced so far. */
    public long produced() {
        return produced.get();
    }

    /** Why the feeder stopped on its own, or null while it works. */
    public Exception failure() {
        return failure;
    }

    @Override
    public void close() {
        running = false; // not interrupted: an interrupt inside a send or close leaves the producer half-closed
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
