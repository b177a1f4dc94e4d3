package io.prefstream.labeler;

import io.prefstream.labeler.human.LabelerTokens;
import io.prefstream.model.DeviceSetting;
import io.prefstream.platform.config.CommonSettings;
import io.prefstream.platform.config.Setting;
import io.prefstream.platform.config.SettingSet;
import io.prefstream.schemas.LabelKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The labeler service's settings: machine labelers ({@code labeler.*}), human labeling
 * ({@code labeler.human.*}, {@code labeler.lease-ms}, {@code labeler.tokens}, {@code labeler.http.*})
 * and the label join ({@code join.*}). {@link #ALL} adds them to {@link CommonSettings#ALL}.
 */
public final class LabelerSettings {

    private LabelerSettings() {}

    // ---- machine labelers -------------------------------------------------------------------

    public static final Setting<List<MachineKind>> MACHINE = new Setting<>(
            "labeler.machine",
            "list",
            LabelerSettings::parseMachineKinds,
            List.of(MachineKind.RULE),
            "Machine labelers to run, each consuming prefstream.rollouts in group prefstream-labeler-<kind>",
            v -> true,
            "a comma-separated list of " + MachineKind.choices() + ", or none");
    public static final Setting<String> LABELER_ID = new Setting<>(
            "labeler.id",
            "string",
            v -> v,
            "",
            "Stable identity of this labeler process, one per replica: when set, its Kafka consumers (machine "
                    + "labelers, label join, request feed) use static membership (group.instance.id <id>-<role>), so a "
                    + "restarted labeler takes its partitions back at once instead of after a rebalance and the "
                    + "session timeout; empty: dynamic membership",
            v -> v.isEmpty() || v.matches("[A-Za-z0-9._-]+"),
            "letters, digits, '.', '_' or '-' only, or empty for none");
    public static final Setting<Integer> BATCH_SIZE = Setting.integer(
            "labeler.batch-size", 32, 1, 4096, "Most rollouts a reward-model or remote labeler scores in one call");
    public static final Setting<Integer> BATCH_LINGER_MS = Setting.integer(
            "labeler.batch-linger-ms",
            20,
            0,
            10_000,
            "How long a scoring batch waits for more rollouts before it is scored");
    public static final Setting<String> REWARD_MODEL_CHECKPOINT = optional(
            "labeler.reward-model.checkpoint",
            "Directory of the reward-model checkpoint (model module format); required with labeler.machine=reward-model");
    public static final Setting<DeviceSetting> REWARD_MODEL_DEVICE = new Setting<>(
            "labeler.reward-model.device",
            "device",
            DeviceSetting::parse,
            DeviceSetting.AUTO,
            "Where the reward model runs",
            v -> true,
            "one of auto, cpu, gpu");

    // ---- remote reward model ------------------------------------------------------------------

    public static final Setting<String> REMOTE_URL = optional(
            "labeler.remote.url",
            "Endpoint of a remote reward model taking POST {query, prompts, labels} and answering {rewards}; "
                    + "required with labeler.machine=remote");
    public static final Setting<Long> REMOTE_TIMEOUT_MS = Setting.longValue(
            "labeler.remote.timeout-ms", 10_000L, 1, 600_000, "Timeout of one remote reward-model call");
    public static final Setting<Integer> REMOTE_MAX_ATTEMPTS = Setting.integer(
            "labeler.remote.max-attempts",
            3,
            1,
            20,
            "Attempts per batch (first call plus retries) before it is dead-lettered");
    public static final Setting<Long> REMOTE_BACKOFF_MS = Setting.longValue(
            "labeler.remote.backoff-ms", 200L, 0, 60_000, "Wait before the first retry; doubles on each further retry");
    public static final Setting<Long> REMOTE_MAX_BACKOFF_MS =
            Setting.longValue("labeler.remote.max-backoff-ms", 5_000L, 0, 600_000, "Upper bound of the retry wait");
    public static final Setting<Integer> REMOTE_BREAKER_FAILURES = Setting.integer(
            "labeler.remote.breaker-failures", 5, 1, 1000, "Consecutive failed calls that open the circuit breaker");
    public static final Setting<Long> REMOTE_BREAKER_OPEN_MS = Setting.longValue(
            "labeler.remote.breaker-open-ms",
            30_000L,
            1,
            3_600_000,
            "How long an open breaker rejects calls before one probe is let through");
    public static final Setting<String> REMOTE_SCORE_KEY =
            Setting.string("labeler.remote.score-key", "rewards", "Key of the reward array in the remote response");
    public static final Setting<String> REMOTE_LABEL_KEY = Setting.string(
            "labeler.remote.label-key",
            "answer",
            "Prompt metadata key whose value is sent in the request's labels array (\"\" for prompts without it)");

    // ---- human labeling -----------------------------------------------------------------------

    public static final Setting<HumanRoute> HUMAN_ROUTE = Setting.enumValue(
            "labeler.human.route", HumanRoute.class, HumanRoute.NONE, "Which rollouts get a LabelRequest for humans");
    public static final Setting<Double> HUMAN_FRACTION = Setting.doubleValue(
            "labeler.human.fraction",
            0.1,
            0.0,
            1.0,
            "Fraction of rollouts sent to humans with labeler.human.route=fraction");
    public static final Setting<Double> HUMAN_MARGIN = Setting.doubleValue(
            "labeler.human.margin",
            0.1,
            0.0,
            1e9,
            "With labeler.human.route=uncertain, rollouts whose two best machine scores differ by less go to humans");
    public static final Setting<Integer> HUMAN_VOTES =
            Setting.integer("labeler.human.votes", 1, 1, 100, "Distinct human labelers asked per request");
    public static final Setting<Integer> HUMAN_MAX_PENDING = Setting.integer(
            "labeler.human.max-pending",
            10_000,
            1,
            1_000_000,
            "Requests held in memory for the UI; consumption of label-requests pauses above it");
    public static final Setting<Long> LEASE_MS = Setting.longValue(
            "labeler.lease-ms",
            120_000L,
            100,
            86_400_000L,
            "How long a request is reserved for its labeler once they interact with it (POST "
                    + "/api/v1/requests/{id}/lease; the UI sends it on the first click or key press)");
    public static final Setting<Long> VIEW_LEASE_MS = Setting.longValue(
            "labeler.view-lease-ms",
            20_000L,
            100,
            86_400_000L,
            "How long a request handed out by GET /api/v1/requests/next is reserved before anyone "
                    + "interacts with it, so an idle open page does not hold work (capped at labeler.lease-ms)");
    public static final Setting<Integer> HUMAN_LABELS_PER_STEP = Setting.integer(
            "labeler.human.labels-per-step",
            0,
            0,
            1_000_000,
            "Human-labeled rollouts the trainer needs per step, round(batcher.batch-size x "
                    + "batcher.online-fraction) when people are the only labelers; shown to labelers as progress; "
                    + "0 = unknown, not shown");
    public static final Setting<LabelerTokens> TOKENS = new Setting<>(
            "labeler.tokens",
            "secret",
            LabelerTokens::parse,
            LabelerTokens.none(),
            "Bearer tokens of the labeling API as labeler-id:token pairs, comma-separated (masked in dumps)",
            v -> true,
            "labeler-id:token[,labeler-id:token...]");
    public static final Setting<String> TOKEN_FILE = optional(
            "labeler.http.token-file",
            "File of labeler-id:token lines (# comments) added to labeler.tokens; re-read when it changes, so "
                    + "labelers are added or revoked without a restart");
    public static final Setting<String> HTTP_HOST = Setting.string(
            "labeler.http.host",
            "127.0.0.1",
            "Interface the labeling UI, REST API, /metrics and /health listen on: 127.0.0.1 serves this machine "
                    + "only; 0.0.0.0 (every interface, as in compose) or one of the machine's addresses lets other "
                    + "machines reach them");
    public static final Setting<Integer> HTTP_PORT = Setting.integer(
            "labeler.http.port",
            8080,
            0,
            65535,
            "Port of the labeling UI, REST API, /metrics and /health; 0 picks a free port");
    public static final Setting<Long> HTTP_IDLE_TIMEOUT_MS = Setting.longValue(
            "labeler.http.idle-timeout-ms",
            60_000L,
            100,
            86_400_000L,
            "A connection to the labeling server that neither sends nor receives anything for this long is closed "
                    + "(kept-alive browser connections and half-sent requests alike)");
    public static final Setting<Long> HTTP_REQUEST_TIMEOUT_MS = Setting.longValue(
            "labeler.http.request-timeout-ms",
            30_000L,
            100,
            3_600_000L,
            "Time a client has to send one request in full, headers and body, counted from the opening of the "
                    + "connection or from the request's headers; a request still incomplete then is answered 408 and "
                    + "its connection closed (time spent answering it does not count)");
    public static final Setting<Integer> HTTP_MAX_CONNECTIONS = Setting.integer(
            "labeler.http.max-connections",
            256,
            1,
            100_000,
            "Most connections the labeling server holds open at once; a further one is closed as soon as it is "
                    + "accepted, and the open ones stay usable");

    // ---- label join ---------------------------------------------------------------------------

    public static final Setting<Boolean> JOIN_ENABLED = Setting.bool(
            "join.enabled",
            true,
            "Run the label join (Kafka Streams application prefstream-label-join) in this process");
    public static final Setting<List<LabelKind>> JOIN_REQUIRED_KINDS = new Setting<>(
            "join.required-kinds",
            "list",
            LabelerSettings::parseLabelKinds,
            List.of(LabelKind.RULE),
            "Label kinds a rollout needs before the join emits it (HUMAN counts join.min-human-votes votes)",
            v -> !v.isEmpty(),
            "a non-empty comma-separated list of " + labelKindChoices());
    public static final Setting<Integer> JOIN_MIN_HUMAN_VOTES = Setting.integer(
            "join.min-human-votes", 1, 1, 100, "Human votes a rollout routed to humans needs before the join emits it");
    public static final Setting<Long> JOIN_TIMEOUT_MS = Setting.longValue(
            "join.timeout-ms",
            60_000L,
            1,
            30L * 86_400_000L,
            "Wall-clock wait after a rollout arrives before the join emits it with what it has "
                    + "(TIMEOUT_FALLBACK)");
    public static final Setting<Long> JOIN_ORPHAN_TIMEOUT_MS = Setting.longValue(
            "join.orphan-timeout-ms",
            300_000L,
            1,
            30L * 86_400_000L,
            "How long a label for a rollout not yet seen is held before it is dead-lettered");
    public static final Setting<Long> JOIN_RETENTION_MS = Setting.longValue(
            "join.retention-ms",
            86_400_000L,
            1,
            365L * 86_400_000L,
            "How long the join remembers an emitted rollout to recognise late labels and duplicates");
    public static final Setting<Long> JOIN_PUNCTUATE_MS = Setting.longValue(
            "join.punctuate-ms", 1_000L, 10, 600_000, "Wall-clock interval of the join's timeout scan");

    /** The labeler's settings after the common ones. */
    public static final SettingSet ALL = CommonSettings.ALL.plus(
            LABELER_ID,
            MACHINE,
            BATCH_SIZE,
            BATCH_LINGER_MS,
            REWARD_MODEL_CHECKPOINT,
            REWARD_MODEL_DEVICE,
            REMOTE_URL,
            REMOTE_TIMEOUT_MS,
            REMOTE_MAX_ATTEMPTS,
            REMOTE_BACKOFF_MS,
            REMOTE_MAX_BACKOFF_MS,
            REMOTE_BREAKER_FAILURES,
            REMOTE_BREAKER_OPEN_MS,
            REMOTE_SCORE_KEY,
            REMOTE_LABEL_KEY,
            HUMAN_ROUTE,
            HUMAN_FRACTION,
            HUMAN_MARGIN,
            HUMAN_VOTES,
            HUMAN_MAX_PENDING,
            LEASE_MS,
            VIEW_LEASE_MS,
            HUMAN_LABELS_PER_STEP,
            TOKENS,
            TOKEN_FILE,
            HTTP_HOST,
            HTTP_PORT,
            HTTP_IDLE_TIMEOUT_MS,
            HTTP_REQUEST_TIMEOUT_MS,
            HTTP_MAX_CONNECTIONS,
            JOIN_ENABLED,
            JOIN_REQUIRED_KINDS,
            JOIN_MIN_HUMAN_VOTES,
            JOIN_TIMEOUT_MS,
            JOIN_ORPHAN_TIMEOUT_MS,
            JOIN_RETENTION_MS,
            JOIN_PUNCTUATE_MS);

    /** A string setting whose default is empty (not set). */
    private static Setting<String> optional(String key, String doc) {
        return new Setting<>(key, "string", s -> s, "", doc, s -> true, "any string, empty for none");
    }

    static List<MachineKind> parseMachineKinds(String text) {
        var names = Arrays.stream(text.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
        if (names.size() == 1 && names.get(0).equalsIgnoreCase("none")) {
            return List.of();
        }
        var kinds = new LinkedHashSet<MachineKind>();
        for (String name : names) {
            if (!kinds.add(MachineKind.parse(name))) {
                throw new IllegalArgumentException("duplicate labeler " + name);
            }
        }
        if (kinds.isEmpty()) {
            throw new IllegalArgumentException("empty list");
        }
        return List.copyOf(kinds);
    }

    static List<LabelKind> parseLabelKinds(String text) {
        var kinds = new ArrayList<LabelKind>();
        for (String name : text.split(",")) {
            if (!name.isBlank()) {
                var kind =
                        LabelKind.valueOf(name.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
                if (!kinds.contains(kind)) {
                    kinds.add(kind);
                }
            }
        }
        return List.copyOf(kinds);
    }

    private static String labelKindChoices() {
        return Arrays.stream(LabelKind.values()).map(Enum::name).collect(Collectors.joining(", "));
    }
}
