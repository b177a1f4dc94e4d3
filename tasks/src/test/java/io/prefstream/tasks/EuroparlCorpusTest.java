package io.prefstream.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class EuroparlCorpusTest {

    // Openings of three lines of the file (German, French, Dutch) and one English line.
    private static final String GERMAN = ", wird seine Bedeutung irgendwann gegen Null gehen, wenn er nicht "
            + "mit Aktionen der Zusammenarbeit zu seiner Abstützung einhergeht.   Ich freue mich sehr, daß Herr "
            + "Bertens hier ist, denn er hat auch an der Aussprache mit der niederländischen Präsidentschaft "
            + "teilgenommen";
    private static final String FRENCH = "Socrates est une grande réussite. Les gens parlent du programme et "
            + "m'écrivent souvent pour en savoir plus. Les demandes sont déjà quatre fois supérieures à l'offre.";
    private static final String DUTCH = "nemen.   Wat betreft de financiële gevolgen van het ontbreken van de "
            + "visserijovereenkomst met Marokko en de financiering van de herstructurering van de betrokken "
            + "visserijvloot";
    private static final String ENGLISH = "technologies now available make this quite possible, whatever the "
            + "size of the teams.    Thank you very much, Mr Busquin.   That concludes this item.";

    @Test
    void englishFilterRejectsOtherLanguages() {
        assertFalse(EuroparlCorpus.isEnglish(GERMAN));
        assertFalse(EuroparlCorpus.isEnglish(FRENCH));
        assertFalse(EuroparlCorpus.isEnglish(DUTCH));
        assertTrue(EuroparlCorpus.isEnglish(ENGLISH));
        // Greek script: too few ASCII letters, whatever the words.
        String greek = "Κύριε Πρόεδρε, συμφωνώ πλήρως με την κυρία Ferrero-Waldner, the of and";
        assertFalse(EuroparlCorpus.isEnglish(greek));
    }

    @Test
    void signalsHandComputed() {
        // 23 ASCII words, 7 of them function words: this, the, of, the, you, that, this.
        assertEquals(7.0 / 23, EuroparlCorpus.functionWordShare(ENGLISH), 1e-12);
        // French: none of its words (socrates, est, une, ...) is on the list.
        assertEquals(0.0, EuroparlCorpus.functionWordShare(FRENCH), 1e-12);
        // "été" has 3 letters, 2 of them non-ASCII: share 1/3.
        assertEquals(1.0 / 3, EuroparlCorpus.asciiLetterShare("été"), 1e-12);
        assertEquals(0.0, EuroparlCorpus.asciiLetterShare("12 + 3"), 1e-12);
        assertEquals(3, EuroparlCorpus.asciiWords("m'écrivent souvent"));
        // 7 words, 4 function words (the, and, the, of), but fewer than 8 words: not English.
        assertEquals(4.0 / 7, EuroparlCorpus.functionWordShare("The cat and the dog of mine"), 1e-12);
        assertFalse(EuroparlCorpus.isEnglish("The cat and the dog of mine"));
    }

    @Test
    void functionWordShareSeparatesLanguagesWithAGap() throws IOException {
        // Among lines in Latin script with enough words, shares are bimodal: the highest rejected line (Danish,
        // 9 of 50 words) and the lowest accepted one (English, 7 of 23) are far from the 0.25 threshold.
        double maxRejected = 0;
        double minAccepted = 1;
        var raw = EuroparlCorpus.class.getResourceAsStream(EuroparlCorpus.RESOURCE);
        try (var reader = new BufferedReader(new InputStreamReader(new GZIPInputStream(raw), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                String body = line.split("\t", -1)[2];
                if (EuroparlCorpus.asciiLetterShare(body) < EuroparlCorpus.MIN_ASCII_LETTER_SHARE
                        || EuroparlCorpus.asciiWords(body) < EuroparlCorpus.MIN_WORDS) {
                    continue;
                }
                double share = EuroparlCorpus.functionWordShare(body);
                if (EuroparlCorpus.isEnglish(body)) {
                    minAccepted = Math.min(minAccepted, share);
                } else if (share < EuroparlCorpus.MIN_FUNCTION_WORD_SHARE) {
                    maxRejected = Math.max(maxRejected, share);
                }
            }
        }
        assertEquals(9.0 / 50, maxRejected, 1e-12);
        assertEquals(7.0 / 23, minAccepted, 1e-12);
    }

    @Test
    void sentencesDropCutPiecesAndNonAscii() {
        String body = "tail of a cut sentence. First one here. Second one?  Third! Une phrase déjà. "
                + "lower case start. Unfinished sentence at the";
        assertEquals(List.of("First one here.", "Second one?", "Third!"), EuroparlCorpus.sentences(body));
        assertEquals(List.of(), EuroparlCorpus.sentences("Only one sentence."));
    }

    @Test
    void corpusFigures() {
        var corpus = EuroparlCorpus.english();
        assertEquals(17_597, corpus.lines());
        assertEquals(1_268, corpus.englishLines());
        assertEquals(6_703, corpus.sentences().size());
        assertEquals(
                corpus.sentences().size(),
                corpus.sentences().stream().distinct().count());
    }
}
