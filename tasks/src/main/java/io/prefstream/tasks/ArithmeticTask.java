package io.prefstream.tasks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

/**
 * Two-operand addition: prompts {@code "a+b="} with {@code 0 ≤ a, b < 100}, responses the decimal
 * sum followed by EOS.
 *
 * <p>Gold reward of response {@code y} for answer {@code s}:
 * {@code r = 1} if {@code y = s}; otherwise
 * {@code r = 0.5 · (#i : y[-i] = s[-i]) / |s| − 0.1 · max(0, |y| − |s|)}, clamped to
 * {@code [-0.5, 1)}, where {@code y[-i]} is the i-th character from the right (digits aligned
 * by place value).
 *
 * <p>Split: a problem is held out for evaluation iff {@code mix(100a + b) mod 10 = 0} (about 10%),
 * so training prompts and the SFT corpus never contain an evaluation problem.
 *
 * <p>The SFT corpus is deliberately noisy: a fraction {@code noise} of targets has one digit moved
 * by ±1, so a reference policy trained on it is imperfect at temperature 1 and preference learning
 * has something to fix.
 */
public final class ArithmeticTask implements Task {

    /** Default fraction of corrupted SFT targets. */
    public static final double DEFAULT_NOISE = 0.35;

    static final int OPERAND_LIMIT = 100;
    private static final Pattern PROMPT = Pattern.compile("(\\d{1,2})\\+(\\d{1,2})=");
    private static final long EVAL_ORDER_SEED = 0x5EEDL;

    private final double noise;
    private final List<int[]> trainProblems;
    private final List<int[]> evalProblems;

    /** The task with {@link #DEFAULT_NOISE}; used by {@link java.util.ServiceLoader}. */
    public ArithmeticTask() {
        this(DEFAULT_NOISE);
    }

    /** @param noise fraction of SFT targets with one digit off, in {@code [0, 1]} */
    public ArithmeticTask(double noise) {
        if (!(noise >= 0 && noise <= 1)) {
            throw new IllegalArgumentException("arithmetic noise must be in [0, 1], found " + noise);
        }
        this.noise = noise;
        var train = new ArrayList<int[]>();
        var eval = new ArrayList<int[]>();
        for (int a = 0; a < OPERAND_LIMIT; a++) {
            for (int b = 0; b < OPERAND_LIMIT; b++) {
                (isHeldOut(a, b) ? eval : train).add(new int[] {a, b});
            }
        }
        Collections.shuffle(eval, new Random(EVAL_ORDER_SEED));
        this.trainProblems = List.copyOf(train);
        this.evalProblems = List.copyOf(eval);
    }

    static boolean isHeldOut(int a, int b) {
        return Long.remainderUnsigned(mix(OPERAND_LIMIT * a + b), 10) == 0;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    @Override
    public String name() {
        return "arithmetic";
    }

    @Override
    public TokenizerSpec tokenizerSpec() {
        return TokenizerSpec.chars("0123456789+=");
    }

    /** Fraction of corrupted SFT targets. */
    public double noise() {
        return noise;
    }

    @Override
    public List<String> prompts(long seed, int n) {
        requireNonNegative(n);
        var rng = new SplittableRandom(seed);
        var out = new ArrayList<String>(n);
        for (int i = 0; i < n; i++) {
            out.add(prompt(trainProblems.get(rng.nextInt(trainProblems.size()))));
        }
        return out;
    }

    @Override
    public List<String> evalPrompts(int n) {
        requireNonNegative(n);
        if (n > evalProblems.size()) {
            throw new IllegalArgumentException("arithmetic has " + evalProblems.size() + " held-out prompts, asked for "
                    + n + "; ask for at most " + evalProblems.size());
        }
        return evalProblems.subList(0, n).stream().map(ArithmeticTask::prompt).toList();
    }

    @Override
    public int evalPromptCount() {
        return evalProblems.size();
    }

    @Override
    public double goldReward(String prompt, String response) {
        String answer = answer(prompt);
        if (response.equals(answer)) {
            return 1.0;
        }
        int matches = 0;
        for (int i = 1; i <= Math.min(answer.length(), response.length()); i++) {
            if (response.charAt(response.length() - i) == answer.charAt(answer.length() - i)) {
                matches++;
            }
        }
        double partial = 0.5 * matches / answer.length();
        double overLength = 0.1 * Math.max(0, response.length() - answer.length());
        return Math.max(-0.5, partial - overLength);
    }

    @Override
    public Optional<Boolean> correct(String prompt, String response) {
        return Optional.of(response.equals(answer(prompt)));
    }

    @Override
    public List<SftExample> sftCorpus(long seed, int n) {
        requireNonNegative(n);
        var rng = new SplittableRandom(seed);
        var out = new ArrayList<SftExample>(n);
        for (int i = 0; i < n; i++) {
            int[] p = trainProblems.get(rng.nextInt(trainProblems.size()));
            String target = Integer.toString(p[0] + p[1]);
            if (rng.nextDouble() < noise) {
                target = corrupt(target, rng);
            }
            out.add(new SftExample(prompt(p), target));
        }
        return out;
    }

    /** Moves one digit of {@code answer} by ±1 (mod 10), never yielding a leading zero. */
    private static String corrupt(String answer, SplittableRandom rng) {
        char[] digits = answer.toCharArray();
        while (true) {
            int pos = rng.nextInt(digits.length);
            int delta = rng.nextBoolean() ? 1 : 9;
            int d = (digits[pos] - '0' + delta) % 10;
            if (pos == 0 && d == 0 && digits.length > 1) {
                continue;
            }
            digits[pos] = (char) ('0' + d);
            return new String(digits);
        }
    }

    @Override
    public int maxResponseTokens() {
        return 6;
    }

    /** The correct response to {@code prompt}, e.g. {@code "85"} for {@code "47+38="}. */
    public String answer(String prompt) {
        var m = PROMPT.matcher(prompt);
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "arithmetic prompt must look like '47+38=' (operands 0-99), found '" + prompt + "'");
        }
        return Integer.toString(Integer.parseInt(m.group(1)) + Integer.parseInt(m.group(2)));
    }

    private static String prompt(int[] problem) {
        return problem[0] + "+" + problem[1] + "=";
    }

    private static void requireNonNegative(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("number of prompts must be >= 0, found " + n);
        }
    }
}
