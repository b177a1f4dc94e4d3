package io.prefstream.labeler.join;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.prefstream.labeler.HumanRoute;
import io.prefstream.labeler.LabelerConfig;
import io.prefstream.labeler.join.JoinState.Accepted;
import io.prefstream.labeler.join.JoinState.Held;
import io.prefstream.labeler.join.JoinState.Routing;
import io.prefstream.labeler.join.JoinState.Status;
import io.prefstream.platform.deadletter.SourcedRecord;
import io.prefstream.platform.deadletter.StreamsDeadLetters;
import io.prefstream.schemas.EmitReason;
import io.prefstream.schemas.Judgement;
import io.prefstream.schemas.Label;
import io.prefstream.schemas.LabelCandidate;
import io.prefstream.schemas.LabelKind;
import io.prefstream.schemas.LabelRequest;
import io.prefstream.schemas.LabeledRollout;
import io.prefstream.schemas.Rollout;
import io.prefstream.schemas.Verdict;
import io.prefstream.schemas.topics.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The label join for one partition of rollout ids; see {@link LabelJoinTopology} for the rules.
 * State: {@value LabelJoinTopology#STATE_STORE} (rollout id → {@link JoinState}) and
 * {@value LabelJoinTopology#DEADLINE_STORE} (zero-padded deadline + "|" + rollout id → rollout id), an
 * index that lets the wall-clock punctuator visit only the states whose deadline has passed.
 */
final class LabelJoinProcessor implements Processor<String, JoinInput, String, JoinOutput> {

    private static final Logger log = LoggerFactory.getLogger(LabelJoinProcessor.class);

    private final LabelerConfig.Join policy;
    private final LabelerConfig.Human human;
    private final JoinCodecs codecs;
    private final JoinMetrics metrics;
    private final StreamsDeadLetters deadLetters;
    private ProcessorContext<String, JoinOutput> context;
    private KeyValueStore<String, JoinState> states;
    private KeyValueStore<String, String> deadlines;

    LabelJoinProcessor(LabelerConfig config, JoinCodecs codecs, JoinMetrics metrics, StreamsDeadLetters deadLetters) {
        this.policy = config.join();
        this.human = config.human();
        this.codecs = codecs;
        this.metrics = metrics;
        this.deadLetters = deadLetters;
    }

    @Override
    public void init(ProcessorContext<String, JoinOutput> context) {
        this.context = context;
        this.states = context.getStateStore(LabelJoinTopology.STATE_STORE);
        this.deadlines = context.getStateStore(LabelJoinTopology.DEADLINE_STORE);
        context.schedule(policy.punctuateEvery(), PunctuationType.WALL_CLOCK_TIME, this::expire);
    }

    @Override
    public void process(Record<String, JoinInput> record) {
        long now = context.currentSystemTimeMs();
        if (record.value().type() == JoinInput.Type.ROLLOUT) {
            onRollout(record.key(), record.value(), now);
        } else {
            onLabel(record.key(), record.value(), now);
        }
    }

    // ---- events -------------------------------------------------------------------------------

    private void onRollout(String id, JoinInput input, long now) {
        JoinState state = states.get(id);
        if (state != null && state.status != Status.HOLDING) {
            metrics.duplicateRollout();
            log.debug("Rollout {} seen again at {}; ignored", id, input.source().coordinates());
            return;
        }
        Rollout rollout = codecs.rollout(input.source());
        if (state == null) {
            state = new JoinState(Status.PENDING);
        }
        state.status = Status.PENDING;
        state.rollout = input;
        state.k = rollout.getCompletions().size();
        state.firstSeenMs = now;
        state.routing = routingAtArrival(id, state.k);
        if (state.routing == Routing.ROUTED) {
            requestOrTie(id, state, rollout, HumanRouting.distinctPair(id, texts(rollout)), now);
        }
        for (Held held : state.held) {
            accept(id, state, codecs.label(held.input().source()), held.input());
        }
        state.held.clear();
        evaluate(id, state, rollout, now);
    }

    private void onLabel(String id, JoinInput input, long now) {
        Label label = codecs.label(input.source());
        String labelerKey = JoinState.labelerKey(label.getKind(), label.getLabelerId());
        JoinState state = states.get(id);
        if (state != null && state.knows(label.getLabelId(), labelerKey)) {
            metrics.duplicateLabel();
            log.debug(
                    "Duplicate label {} from {} for rollout {} at {}; ignored",
                    label.getLabelId(),
                    labelerKey,
                    id,
                    input.source().coordinates());
            return;
        }
        if (state == null) {
            state = new JoinState(Status.HOLDING);
            state.firstSeenMs = now;
            state.held.add(new Held(label.getLabelId(), labelerKey, input));
            save(id, state, now + policy.orphanTimeout().toMillis());
            return;
        }
        switch (state.status) {
            case HOLDING -> {
                state.held.add(new Held(label.getLabelId(), labelerKey, input));
                save(id, state, state.deadlineMs);
            }
            case EMITTED ->
                reject(
                        input,
                        "late-label",
                        "label " + label.getLabelId() + " from " + labelerKey + " arrived after rollout " + id
                                + " was emitted");
            case PENDING -> {
                if (accept(id, state, label, input)) {
                    evaluate(id, state, null, now);
                }
            }
        }
    }

    /** Counts {@code label} for the rollout, or dead-letters it when it does not fit; true if counted. */
    private boolean accept(String id, JoinState state, Label label, JoinInput input) {
        var problem = LabelAggregation.validate(label, state.k);
        if (problem.isPresent()) {
            reject(input, "invalid-label", problem.get() + " (rollout " + id + ")");
            return false;
        }
        state.accepted.add(new Accepted(
                label.getLabelId(),
                JoinState.labelerKey(label.getKind(), label.getLabelerId()),
                label.getKind(),
                input.source().value()));
        metrics.accepted(label.getKind());
        return true;
    }

    // ---- policy -------------------------------------------------------------------------------

    private Routing routingAtArrival(String id, int k) {
        if (k < 2) {
            return Routing.NOT_ROUTED;
        }
        return switch (human.route()) {
            case NONE -> Routing.NOT_ROUTED;
            case ALL -> Routing.ROUTED;
            case FRACTION -> HumanRouting.inFraction(id, human.fraction()) ? Routing.ROUTED : Routing.NOT_ROUTED;
            case UNCERTAIN -> Routing.UNDECIDED;
        };
    }

    /** Emits when the policy is met, otherwise stores the state with its timeout deadline. */
    private void evaluate(String id, JoinState state, Rollout decoded, long now) {
        boolean machineReady = policy.scoreKinds().stream().allMatch(kind -> state.count(kind) > 0);
        if (state.routing == Routing.UNDECIDED && machineReady) {
            decideUncertain(id, state, decoded != null ? decoded : codecs.rollout(state.rollout.source()), now);
        }
        boolean needsHumans =
                state.routing == Routing.ROUTED || policy.requiredKinds().contains(LabelKind.HUMAN);
        boolean humansReady = !needsHumans
                || state.count(LabelKind.HUMAN) >= policy.minHumanVotes()
                || state.knows(identicalLabelId(id), IDENTICAL_KEY);
        if (machineReady && state.routing != Routing.UNDECIDED && humansReady) {
            emit(id, state, EmitReason.POLICY_MET, now);
        } else {
            save(id, state, state.firstSeenMs + policy.timeout().toMillis());
        }
    }

    /** {@link HumanRoute#UNCERTAIN}: ask humans when the machine's top two are closer than the margin. */
    private void decideUncertain(String id, JoinState state, Rollout rollout, long now) {
        var summary = LabelAggregation.summarize(state.k, decodeAccepted(state));
        var score = LabelAggregation.machineScore(summary, state.k);
        if (score.isEmpty()) {
            // Judgement-only machine labels give no margin: the rollout counts as uncertain.
            state.routing = Routing.ROUTED;
            requestOrTie(id, state, rollout, HumanRouting.distinctPair(id, texts(rollout)), now);
            return;
        }
        double margin = HumanRouting.topTwoMargin(score.get());
        if (margin < human.margin()) {
            state.routing = Routing.ROUTED;
            requestOrTie(id, state, rollout, HumanRouting.topTwoDistinct(score.get(), texts(rollout)), now);
        } else {
            state.routing = Routing.NOT_ROUTED;
        }
        log.debug(
                "Rollout {}: machine margin {} vs labeler.human.margin {} -> {}",
                id,
                margin,
                human.margin(),
                state.routing);
    }

    /** Labeler id of the tie the join records for a rollout whose completions are all the same text. */
    public static final String IDENTICAL_LABELER = "prefstream:identical-completions";

    private static final String IDENTICAL_KEY = JoinState.labelerKey(LabelKind.HUMAN, IDENTICAL_LABELER);

    static String identicalLabelId(String rolloutId) {
        return UUID.nameUUIDFromBytes(("identical:" + rolloutId).getBytes(UTF_8))
                .toString();
    }

    private static List<String> texts(Rollout rollout) {
        return rollout.getCompletions().stream()
                .map(c -> String.valueOf(c.getText()))
                .toList();
    }

    /**
     * Asks people to compare {@code pair}, or, when there is no pair of different texts, records
     * the answer every person would give: a HUMAN tie on completions 0 and 1 from
     * {@value #IDENTICAL_LABELER}, which stands for all the human votes (a tie yields no pair), so
     * the rollout is emitted now instead of waiting for labels nobody is asked for.
     */
    private void requestOrTie(String id, JoinState state, Rollout rollout, Optional<int[]> pair, long now) {
        if (pair.isPresent()) {
            request(id, state, rollout, pair.get(), now);
            return;
        }
        var tie = new Label(
                identicalLabelId(id),
                id,
                HumanRouting.requestId(id),
                IDENTICAL_LABELER,
                LabelKind.HUMAN,
                null,
                new Judgement(0, 1, Verdict.TIE, null, null),
                1.0,
                "all completions are the same text",
                0L,
                "join",
                now);
        state.accepted.add(new Accepted(tie.getLabelId(), IDENTICAL_KEY, LabelKind.HUMAN, codecs.encode(tie)));
        metrics.identicalTie();
        log.debug(
                "Rollout {}: all {} completions are the same text; recorded a tie instead of asking people",
                id,
                state.k);
    }

    private void request(String id, JoinState state, Rollout rollout, int[] pair, long now) {
        var candidates = new ArrayList<LabelCandidate>(pair.length);
        for (int i : pair) {
            candidates.add(new LabelCandidate(i, rollout.getCompletions().get(i).getText()));
        }
        var request = new LabelRequest(
                HumanRouting.requestId(id),
                id,
                rollout.getPrompt().getTask(),
                rollout.getPrompt().getText(),
                candidates,
                LabelKind.HUMAN,
                rollout.getPolicyVersion(),
                now,
                state.firstSeenMs + policy.timeout().toMillis());
        forward(
                new JoinOutput(Topics.LABEL_REQUESTS, id.getBytes(UTF_8), codecs.encode(request)),
                id,
                now,
                new RecordHeaders());
        metrics.requested();
        log.debug("Requested human labels for rollout {} comparing completions {} and {}", id, pair[0], pair[1]);
    }

    private void emit(String id, JoinState state, EmitReason reason, long now) {
        Rollout rollout = codecs.rollout(state.rollout.source());
        List<Label> labels = decodeAccepted(state);
        var summary = LabelAggregation.summarize(state.k, labels);
        var pairs = LabelAggregation.pairs(summary, state.k);
        var value = new LabeledRollout(rollout, summary, pairs, labels.size(), reason, now);
        forward(
                new JoinOutput(Topics.PREFERENCES, id.getBytes(UTF_8), codecs.encode(value)),
                id,
                now,
                new RecordHeaders());
        metrics.emitted(reason);
        log.debug("Emitted rollout {} ({}, {} labels, {} pairs)", id, reason, labels.size(), pairs.size());
        state.status = Status.EMITTED;
        state.rollout = null;
        var kept = new ArrayList<Accepted>(state.accepted.size());
        for (Accepted a : state.accepted) {
            kept.add(new Accepted(a.labelId(), a.labelerKey(), a.kind(), null));
        }
        state.accepted.clear();
        state.accepted.addAll(kept);
        save(id, state, now + policy.retention().toMillis());
    }

    private List<Label> decodeAccepted(JoinState state) {
        var labels = new ArrayList<Label>(state.accepted.size());
        for (Accepted a : state.accepted) {
            var source = new SourcedRecord(Topics.LABELS.name(), -1, -1L, 0L, null, a.value(), List.of());
            labels.add(codecs.label(source));
        }
        return labels;
    }

    // ---- timeouts -----------------------------------------------------------------------------

    /** Wall-clock punctuation: acts on every state whose deadline is at or before {@code now}. */
    private void expire(long now) {
        var due = new ArrayList<String>();
        try (var it = deadlines.range(indexKey(0, ""), indexKey(now, "\uffff"))) {
            it.forEachRemaining(kv -> due.add(kv.key));
        }
        for (String key : due) {
            String id = key.substring(key.indexOf('|') + 1);
            deadlines.delete(key);
            JoinState state = states.get(id);
            if (state == null || !key.equals(indexKey(state.deadlineMs, id))) {
                continue; // stale index entry
            }
            switch (state.status) {
                case HOLDING -> {
                    for (Held held : state.held) {
                        reject(
                                held.input(),
                                "orphan-label",
                                "label " + held.labelId() + " names rollout " + id
                                        + ", which was not seen within join.orphan-timeout-ms="
                                        + policy.orphanTimeout().toMillis());
                    }
                    states.delete(id);
                }
                case PENDING -> emit(id, state, EmitReason.TIMEOUT_FALLBACK, now);
                case EMITTED -> states.delete(id);
            }
        }
    }

    private void save(String id, JoinState state, long deadlineMs) {
        if (state.deadlineMs != deadlineMs) {
            deadlines.delete(indexKey(state.deadlineMs, id));
        }
        state.deadlineMs = deadlineMs;
        deadlines.put(indexKey(deadlineMs, id), id);
        states.put(id, state);
    }

    private static String indexKey(long deadlineMs, String id) {
        return String.format("%019d|%s", Math.max(0, deadlineMs), id);
    }

    // ---- output -------------------------------------------------------------------------------

    private void reject(JoinInput input, String reason, String detail) {
        long now = context.currentSystemTimeMs();
        metrics.rejectedLabel(reason);
        var source = input.source();
        var letter = deadLetters.letter(source, reason, detail, null, now);
        forward(new JoinOutput(Topics.DEAD_LETTERS, letter.key(), letter.value()), "", now, letter.headers());
    }

    private void forward(JoinOutput out, String key, long timestamp, org.apache.kafka.common.header.Headers headers) {
        context.forward(new Record<>(key, out, timestamp, headers));
    }
}
