package io.prefstream.trainer.objective;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The offline and online pairs of one step concatenated, offline first, with each pair's proposal
 * μ resolved: the recorded behaviour log-prob when present, else π_ref for offline pairs (the
 * offline data is assumed to come from π_ref, as DPO/AIS assume); online pairs without a behaviour
 * log-prob have no proposal. Must be built inside an {@code NDScope}.
 *
 * <p>Dimension legend: B = offline pairs + online pairs.
 *
 * @param policyChosen log π_θ(y_w), with gradient // (B)
 * @param policyRejected log π_θ(y_l), with gradient // (B)
 * @param refChosen log π_ref(y_w), detached // (B)
 * @param refRejected log π_ref(y_l), detached // (B)
 * @param proposalChosen log μ(y_w), detached, or null if some online pair lacks behaviour // (B)
 * @param proposalRejected log μ(y_l), detached, or null likewise // (B)
 * @param lengthChosen |y_w| // (B)
 * @param lengthRejected |y_l| // (B)
 */
record PairBatch(
        NDArray policyChosen,
        NDArray policyRejected,
        NDArray refChosen,
        NDArray refRejected,
        NDArray proposalChosen,
        NDArray proposalRejected,
        NDArray lengthChosen,
        NDArray lengthRejected) {

    /** Concatenates the pairs present in {@code input} (offline, then online). */
    static PairBatch from(ObjectiveInput input) {
        var sources = new ArrayList<PairTensors>();
        input.offlinePairs().ifPresent(sources::add);
        input.onlinePairs().ifPresent(sources::add);
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("expected offline or online pairs but the batch has none");
        }
        boolean proposalKnown =
                input.onlinePairs().map(PairTensors::hasBehaviour).orElse(true);
        List<NDArray> pc = new ArrayList<>();
        List<NDArray> pr = new ArrayList<>();
        List<NDArray> rc = new ArrayList<>();
        List<NDArray> rr = new ArrayList<>();
        List<NDArray> mc = new ArrayList<>();
        List<NDArray> mr = new ArrayList<>();
        List<NDArray> lc = new ArrayList<>();
        List<NDArray> lr = new ArrayList<>();
        for (PairTensors p : sources) {
            pc.add(p.policyChosen());
            pr.add(p.policyRejected());
            rc.add(p.refChosen());
            rr.add(p.refRejected());
            mc.add(p.behaviourChosen().orElse(p.refChosen()));
            mr.add(p.behaviourRejected().orElse(p.refRejected()));
            lc.add(p.lengthChosen());
            lr.add(p.lengthRejected());
        }
        return new PairBatch(
                cat(pc),
                cat(pr),
                detached(rc),
                detached(rr),
                proposalKnown ? detached(mc) : null,
                proposalKnown ? detached(mr) : null,
                detached(lc),
                detached(lr));
    }

    /** Number of pairs B. */
    int size() {
        return Math.toIntExact(policyChosen.getShape().get(0));
    }

    /** h_w = log π_θ(y_w) − log π_ref(y_w), with gradient. */
    NDArray logRatioChosen() {
        return policyChosen.sub(refChosen); // (B)
    }

    /** h_l = log π_θ(y_l) − log π_ref(y_l), with gradient. */
    NDArray logRatioRejected() {
        return policyRejected.sub(refRejected); // (B)
    }

    /** Δ = h_w − h_l, with gradient. */
    NDArray delta() {
        return logRatioChosen().sub(logRatioRejected()); // (B)
    }

    /**
     * log μ(y_w), log μ(y_l) for importance weights or proposal corrections.
     *
     * @throws IllegalArgumentException when online pairs carry no behaviour log-probs
     */
    NDArray[] proposal(String objective) {
        if (proposalChosen == null) {
            throw new IllegalArgumentException("objective '" + objective + "' needs behaviour log-probs "
                    + "log μ(y|x) on online pairs (the generator records them) but found none");
        }
        return new NDArray[] {proposalChosen, proposalRejected};
    }

    /**
     * Pair metrics for margins scaled by {@code beta}: reward margin, accuracy, implicit rewards,
     * policy log-probs, mean log-ratio and the pair count.
     */
    Map<String, Double> metrics(double beta) {
        double[] polW = TensorChecks.values(policyChosen);
        double[] polL = TensorChecks.values(policyRejected);
        double[] refW = TensorChecks.values(refChosen);
        double[] refL = TensorChecks.values(refRejected);
        int n = polW.length;
        double margin = 0;
        double correct = 0;
        double hw = 0;
        double hl = 0;
        double lw = 0;
        double ll = 0;
        for (int i = 0; i < n; i++) {
            double d = (polW[i] - refW[i]) - (polL[i] - refL[i]);
            margin += beta * d;
            correct += beta * d > 0 ? 1 : 0;
            hw += polW[i] - refW[i];
            hl += polL[i] - refL[i];
            lw += polW[i];
            ll += polL[i];
        }
        var m = new HashMap<String, Double>();
        m.put(ObjectiveResult.REWARD_MARGIN, margin / n);
        m.put(ObjectiveResult.ACCURACY, correct / n);
        m.put(ObjectiveResult.REWARD_CHOSEN, beta * hw / n);
        m.put(ObjectiveResult.REWARD_REJECTED, beta * hl / n);
        m.put(ObjectiveResult.LOGP_CHOSEN, lw / n);
        m.put(ObjectiveResult.LOGP_REJECTED, ll / n);
        m.put(ObjectiveResult.LOGRATIO_MEAN, (hw + hl) / (2.0 * n));
        m.put(ObjectiveResult.PAIRS, (double) n);
        return m;
    }

    private static NDArray detached(List<NDArray> parts) {
        return NativeTensors.detachedCopy(cat(parts)); // (B)
    }

    private static NDArray cat(List<NDArray> parts) {
        return parts.size() == 1 ? parts.get(0) : NDArrays.concat(new NDList(parts)); // (B)
    }
}
