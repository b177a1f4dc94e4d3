package io.prefstream.labeler.join;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.prefstream.labeler.HumanRoute;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Which rollouts go to humans and which two completions they compare. Every decision is a
 * deterministic function of the rollout id (and its machine scores), so a replayed rollout gets the
 * same decision and the same request id.
 *
 * <ul>
 *   <li>{@link HumanRoute#FRACTION}: routed iff {@code u(id) < fraction}, with {@code u(id)} the first
 *       8 bytes of SHA-256(id) as a number in [0, 1).</li>
 *   <li>{@link HumanRoute#UNCERTAIN}: routed iff {@code m_(1) − m_(2) < margin} for the aggregated
 *       machine score m sorted descending; the pair shown is the top two (they are the uncertain ones).</li>
 *   <li>{@link HumanRoute#ALL} and FRACTION show two distinct completions drawn uniformly, seeded by the id.</li>
 * </ul>
 * Rollouts with fewer than two completions are never routed: there is nothing to compare. People
 * are only shown two different texts ({@link #distinctPair}, {@link #topTwoDistinct}); when every
 * completion is the same text the join records a tie itself instead of asking anyone.
 */
public final class HumanRouting {

    private HumanRouting() {}

    /** The request id for {@code rolloutId}: one request per rollout, stable across replays. */
    public static String requestId(String rolloutId) {
        return UUID.nameUUIDFromBytes(("label-request:" + rolloutId).getBytes(UTF_8))
                .toString();
    }

    /** {@code u(id)} in [0, 1). */
    public static double unit(String rolloutId) {
        long bits = ByteBuffer.wrap(sha256(rolloutId)).getLong() >>> 11; // 53 bits
        return bits / (double) (1L << 53);
    }

    /** Whether {@link HumanRoute#FRACTION} routes {@code rolloutId}. */
    public static boolean inFraction(String rolloutId, double fraction) {
        return unit(rolloutId) < fraction;
    }

    /** Two distinct indices in [0, k), ascending, drawn uniformly with a seed from the id. */
    public static int[] randomPair(String rolloutId, int k) {
        requirePair(k);
        var rng = new SplittableRandom(ByteBuffer.wrap(sha256(rolloutId), 8, 8).getLong());
        int a = rng.nextInt(k);
        int b = rng.nextInt(k - 1);
        if (b >= a) {
            b++;
        }
        return new int[] {Math.min(a, b), Math.max(a, b)};
    }

    /**
     * Two completions with different texts for people to compare: {@link #randomPair} when its two
     * texts differ, else a pair drawn uniformly (seeded by the id) from those that differ; empty
     * when every completion has the same text (nothing to judge: the join records a tie itself).
     */
    public static Optional<int[]> distinctPair(String rolloutId, List<String> texts) {
        int[] first = randomPair(rolloutId, texts.size());
        if (!texts.get(first[0]).equals(texts.get(first[1]))) {
            return Optional.of(first);
        }
        var candidates = new ArrayList<int[]>();
        for (int i = 0; i < texts.size(); i++) {
            for (int j = i + 1; j < texts.size(); j++) {
                if (!texts.get(i).equals(texts.get(j))) {
                    candidates.add(new int[] {i, j});
                }
            }
        }
        if (candidates.isEmpty()) {
            return Optional.empty();
        }
        var rng = new SplittableRandom(
                ByteBuffer.wrap(sha256("distinct:" + rolloutId), 0, 8).getLong());
        return Optional.of(candidates.get(rng.nextInt(candidates.size())));
    }

    /**
     * The highest-scoring completion and the highest-scoring one whose text differs from it
     * (first index on ties), ascending; empty when every text is the same.
     */
    public static Optional<int[]> topTwoDistinct(double[] scores, List<String> texts) {
        requirePair(scores.length);
        int best = 0;
        for (int i = 1; i < scores.length; i++) {
            if (scores[i] > scores[best]) {
                best = i;
            }
        }
        int second = -1;
        for (int i = 0; i < scores.length; i++) {
            if (!texts.get(i).equals(texts.get(best)) && (second < 0 || scores[i] > scores[second])) {
                second = i;
            }
        }
        return second < 0 ? Optional.empty() : Optional.of(new int[] {Math.min(best, second), Math.max(best, second)});
    }

    /** The indices of the two highest scores (first index on ties), ascending. */
    public static int[] topTwo(double[] scores) {
        requirePair(scores.length);
        int best = scores[1] > scores[0] ? 1 : 0;
        int second = 1 - best;
        for (int i = 2; i < scores.length; i++) {
            if (scores[i] > scores[best]) {
                second = best;
                best = i;
            } else if (scores[i] > scores[second]) {
                second = i;
            }
        }
        return new int[] {Math.min(best, second), Math.max(best, second)};
    }

    /** {@code m_(1) − m_(2)}: how far the best completion is ahead of the runner-up. */
    public static double topTwoMargin(double[] scores) {
        int[] top = topTwo(scores);
        return Math.abs(scores[top[0]] - scores[top[1]]);
    }

    private static void requirePair(int k) {
        if (k < 2) {
            throw new IllegalArgumentException("need at least 2 completions to pick a pair, found " + k);
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
