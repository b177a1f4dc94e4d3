package io.prefstream.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SentimentTaskTest {

    private final SentimentTask task = new SentimentTask();

    @Test
    void goldRewardOfHandPickedTexts() {
        // r = (compound + 1) / 2; VADER's compound scores (as NLTK's VADER gives them) in comments.
        assertEquals(0.9158, task.goldReward("we had", "this is a wonderful , great day"), 1e-4); // 0.8316
        assertEquals(0.13655, task.goldReward("we had", "this is terrible and awful"), 1e-4); // -0.7269
        assertEquals(0.5, task.goldReward("we had", "the committee met on tuesday ."), 0.0); // no lexicon word
        assertEquals(0.7202, SentimentTask.positivity("good"), 1e-4); // 1.9 / sqrt(1.9² + 15) = 0.4404
        assertEquals(0.3294, SentimentTask.positivity("not good"), 1e-4); // negated: -0.3412
        // The example sentence of VADER's README, compound 0.8439 in the reference implementation.
        assertEquals(0.92195, SentimentTask.positivity("VADER is smart, handsome, and funny!"), 1e-4);
        // Saturating, not accumulating: six times "great" (3.1 each) is below 1.
        assertEquals(0.9895, SentimentTask.positivity("great great great great great great"), 1e-4);
        assertEquals(SentimentTask.EMPTY_REWARD, task.goldReward("we had", ""), 0.0);
        assertEquals(0.5, task.goldReward("we had", "   "), 0.0);
        // The prompt does not count.
        assertEquals(task.goldReward("this is terrible", "good"), task.goldReward("this is wonderful", "good"), 0.0);
        assertEquals(Optional.empty(), task.correct("we had", "a good day"));
    }

    @Test
    void meanGoldRewardOfTheSftCorpusIsSlightlyPositive() {
        // Parliamentary prose is mildly positive ("welcome", "support", "thank"); a reference policy
        // trained on it should score about this before preference learning.
        double sum = 0;
        var sft = task.sftCorpus(1, 2_000);
        for (SftExample e : sft) {
            double r = task.goldReward(e.prompt(), e.response());
            assertTrue(r >= 0 && r <= 1, e + " scored " + r);
            sum += r;
        }
        assertEquals(0.554, sum / sft.size(), 0.001);
    }

    @Test
    void splitMatchesTheWhitespacePreTokenizer() {
        assertEquals(
                List.of("mr", "president", ",", "i", "'", "d", "like", "it", "."),
                SentimentTask.split("Mr President, I'd like it."));
        assertEquals(
                List.of("(", "a5", "-", "0298", "/", "2001", ").", "11", ".", "30"),
                SentimentTask.split("(A5-0298/2001). 11.30"));
        assertEquals(List.of("über_all", "café", "!?"), SentimentTask.split("  Über_all\tcafé\n!?  "));
        assertEquals(List.of(), SentimentTask.split(" \t\n"));
    }

    @Test
    void textRoundTripsThroughAWordTokenizer() {
        var vocabulary = new HashSet<>(task.vocabulary());
        var sft = task.sftCorpus(5, 5_000);
        for (SftExample e : sft) {
            for (String text : List.of(e.prompt(), e.response())) {
                var tokens = SentimentTask.split(text);
                assertEquals(text, String.join(" ", tokens));
                assertTrue(vocabulary.containsAll(tokens), text);
            }
            int promptTokens = SentimentTask.split(e.prompt()).size();
            int responseTokens = SentimentTask.split(e.response()).size();
            assertTrue(promptTokens >= 4 && promptTokens <= 8, e.prompt());
            assertTrue(responseTokens >= 4 && responseTokens + 1 <= task.maxResponseTokens(), e.response());
        }
        for (String p : task.evalPrompts(task.evalPromptCount())) {
            assertTrue(vocabulary.containsAll(SentimentTask.split(p)), p);
        }
        assertEquals(13, task.maxResponseTokens());
    }

    @Test
    void vocabularyCoverageAndFigures() {
        var s = SentimentTask.statistics();
        assertEquals(6_703, s.englishSentences());
        assertEquals(6_405, s.longEnough()); // at least 8 tokens
        // The 4,000 most frequent tokens cover 95.9 % of the tokens prompts and responses are cut
        // from (the first 20 of each sentence) and 95.7 % of the corpus; keeping the sentences
        // whose first 20 tokens are all known leaves 3,317 of 6,405.
        assertEquals(0.95892, s.windowCoverage(), 1e-5);
        assertEquals(0.95705, s.corpusCoverage(), 1e-5);
        assertEquals(3_317, s.usable());
        assertEquals(329, s.heldOut());
        assertEquals(13_938, s.trainingExamples());
        assertEquals(115, s.droppedExamples());
        assertEquals(328, task.evalPromptCount()); // one held-out opening repeats
    }

    @Test
    void tokenizerSpecIsTheFrequencySortedVocabulary() {
        var spec = task.tokenizerSpec();
        assertEquals("words", spec.kind());
        assertEquals(task.vocabulary(), spec.words());
        assertEquals(4_000, spec.words().size());
        assertEquals(
                List.of("the", ",", ".", "of", "to", "and", "in", "that", "is", "a", "we", "this"),
                spec.words().subList(0, 12));
        assertTrue(spec.words().containsAll(List.of("good", "great", "excellent", "welcome", "bad", "crisis")));
        assertFalse(spec.words().contains("<unk>"));
    }

    @Test
    void promptsDeterministicBySeed() {
        assertEquals(task.prompts(7, 50), task.prompts(7, 50));
        assertNotEquals(task.prompts(7, 50), task.prompts(8, 50));
        assertEquals(task.sftCorpus(3, 40), task.sftCorpus(3, 40));
        assertEquals(
                List.of(
                        "to conclude , i believe that everyone",
                        "i say this because , in the",
                        "nowadays when we look around the"),
                task.prompts(7, 3));
        assertEquals(
                List.of(
                        "but since things have moved forward ,",
                        "now that we have got it",
                        "it is important to highlight the fact"),
                task.evalPrompts(3));
    }

    @Test
    void heldOutDisjointFromTraining() {
        var eval = new HashSet<>(task.evalPrompts(task.evalPromptCount()));
        assertEquals(task.evalPromptCount(), eval.size());
        for (String p : task.prompts(1, 20_000)) {
            assertFalse(eval.contains(p), p);
        }
        for (SftExample e : task.sftCorpus(2, 20_000)) {
            assertFalse(eval.contains(e.prompt()), e.prompt());
        }
        assertEquals(task.evalPrompts(10), task.evalPrompts(20).subList(0, 10));
        var e = assertThrows(IllegalArgumentException.class, () -> task.evalPrompts(329));
        assertTrue(e.getMessage().contains("sentiment has 328 held-out prompts, asked for 329"), e.getMessage());
    }

    @Test
    void registeredByName() {
        assertInstanceOf(SentimentTask.class, Tasks.byName("sentiment"));
        assertEquals(List.of("arithmetic", "sentiment"), Tasks.names());
    }
}
