package io.prefstream.launcher.progress;

import io.prefstream.platform.lag.ConsumerLagReader;
import io.prefstream.platform.lag.PartitionLag;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Consumer lag summed per Prefstream service, from the consumer groups the services use:
 * {@code prefstream-generator} (prompts), {@code prefstream-labeler-<kind>} (rollouts),
 * {@code prefstream-label-join} and {@code prefstream-batcher} (Kafka Streams application ids)
 * and {@code prefstream-trainer} (training batches).
 */
public final class ServiceLag {

    /** Short label → consumer-group id, or group-id prefix when it ends with {@code -}. */
    public static final Map<String, String> GROUPS = groups();

    private ServiceLag() {}

    private static Map<String, String> groups() {
        var m = new LinkedHashMap<String, String>();
        m.put("gen", "prefstream-generator");
        m.put("label", "prefstream-labeler-");
        m.put("join", "prefstream-label-join");
        m.put("batch", "prefstream-batcher");
        m.put("train", "prefstream-trainer");
        return Map.copyOf(m);
    }

    /** Labels in dataflow order. */
    public static List<String> labels() {
        return List.of("gen", "label", "join", "batch", "train");
    }

    /** Lag per service label (services without a committed offset yet are absent). */
    public static Map<String, Long> read(ConsumerLagReader reader) {
        List<PartitionLag> rows = reader.describeAll();
        var out = new LinkedHashMap<String, Long>();
        for (String label : labels()) {
            String group = GROUPS.get(label);
            long total = 0;
            boolean any = false;
            for (PartitionLag row : rows) {
                boolean matches = group.endsWith("-")
                        ? row.group().startsWith(group)
                        : row.group().equals(group);
                if (matches && row.lag().isPresent()) {
                    total += row.lag().getAsLong();
                    any = true;
                }
            }
            if (any) {
                out.put(label, total);
            }
        }
        return out;
    }
}
