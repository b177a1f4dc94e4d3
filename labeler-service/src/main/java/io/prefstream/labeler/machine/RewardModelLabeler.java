package io.prefstream.labeler.machine;

import io.prefstream.labeler.MachineKind;
import io.prefstream.model.DeviceSetting;
import io.prefstream.model.checkpoint.Checkpoints;
import io.prefstream.model.reward.RewardModel;
import io.prefstream.schemas.Completion;
import io.prefstream.schemas.Rollout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Labels completions with a DJL reward model {@code r(x, y)} loaded from a verified checkpoint. A
 * batch of rollouts is scored in one forward pass over all their (prompt, completion) rows; if that
 * pass fails (e.g. one text is longer than the model's context or has characters outside its
 * alphabet) each rollout is scored on its own, so only the offending rollouts fail.
 */
public final class RewardModelLabeler implements MachineLabeler {

    private static final Logger log = LoggerFactory.getLogger(RewardModelLabeler.class);

    private final RewardModel model;
    private final String id;
    private final String version;

    private RewardModelLabeler(RewardModel model, String id, String version) {
        this.model = model;
        this.id = id;
        this.version = version;
    }

    /** Loads the checkpoint in {@code dir} (its sha256 is verified against the manifest) onto {@code device}. */
    public static RewardModelLabeler load(Path dir, DeviceSetting device) {
        var manifest = Checkpoints.readManifest(dir);
        var model = Checkpoints.loadReward(dir, device.resolve());
        var name = dir.toAbsolutePath().normalize().getFileName();
        log.info(
                "Reward-model labeler loaded {} ({} parameters, sha256 {}) on {}",
                dir,
                manifest.parameterCount(),
                manifest.weightsSha256(),
                model.device());
        return new RewardModelLabeler(
                model, "reward-model:" + (name == null ? dir : name), "sha256:" + manifest.weightsSha256());
    }

    /** Wraps an already loaded model (tests, or a launcher that shares one). */
    public static RewardModelLabeler of(RewardModel model, String id, String version) {
        return new RewardModelLabeler(model, id, version);
    }

    @Override
    public MachineKind kind() {
        return MachineKind.REWARD_MODEL;
    }

    @Override
    public String labelerId(Rollout rollout) {
        return id;
    }

    @Override
    public String version() {
        return version;
    }

    @Override
    public List<Outcome> score(List<Rollout> batch) {
        try {
            return Outcome.perRollout(batch, scoreAll(batch));
        } catch (RuntimeException e) {
            if (batch.size() == 1) {
                return List.of(Outcome.failed(failure(batch.get(0), e)));
            }
            log.debug("Batch of {} rollouts failed ({}); scoring them one by one", batch.size(), e.toString());
            var out = new ArrayList<Outcome>(batch.size());
            for (Rollout rollout : batch) {
                try {
                    out.add(Outcome.of(scoreAll(List.of(rollout))));
                } catch (RuntimeException single) {
                    out.add(Outcome.failed(failure(rollout, single)));
                }
            }
            return out;
        }
    }

    /** Rewards of every completion of {@code batch}, rollout after rollout: one forward pass. */
    private double[] scoreAll(List<Rollout> batch) {
        var prompts = new ArrayList<String>();
        var responses = new ArrayList<String>();
        for (Rollout rollout : batch) {
            for (Completion c : rollout.getCompletions()) {
                prompts.add(rollout.getPrompt().getText());
                responses.add(c.getText());
            }
        }
        return model.score(prompts, responses);
    }

    private static LabelingException failure(Rollout rollout, RuntimeException e) {
        return new LabelingException(
                LabelingException.SCORING_FAILED,
                "rollout " + rollout.getId() + ": the reward model cannot score it: " + e.getMessage(),
                e);
    }

    @Override
    public void close() {
        model.close();
    }
}
