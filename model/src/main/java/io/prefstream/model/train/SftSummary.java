package io.prefstream.model.train;

import java.util.List;

/**
 * What an SFT run did.
 *
 * @param steps optimizer steps run
 * @param lossCurve per-step mean token negative log-likelihood
 * @param finalLoss mean loss over the last 10% of steps
 * @param seconds wall time
 */
public record SftSummary(int steps, List<Double> lossCurve, double finalLoss, double seconds) {

    public SftSummary {
        lossCurve = List.copyOf(lossCurve);
    }

    public double stepsPerSecond() {
        return steps / seconds;
    }
}
