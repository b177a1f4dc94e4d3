package io.prefstream.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ArithmeticTaskTest {

    private final ArithmeticTask task = new ArithmeticTask();

    @Test
    void goldRewardHandComputed() {
        // 47+38 = 85
        assertEquals(1.0, task.goldReward("47+38=", "85"), 1e-12);
        assertEquals(0.25, task.goldReward("47+38=", "95"), 1e-12); // ones right: 0.5 * 1/2
        assertEquals(0.25, task.goldReward("47+38=", "86"), 1e-12); // tens right
        assertEquals(0.0, task.goldReward("47+38=", "17"), 1e-12);
        assertEquals(0.0, task.goldReward("47+38=", ""), 1e-12);
        assertEquals(0.25, task.goldReward("47+38=", "5"), 1e-12); // aligned from the right
        assertEquals(0.4, task.goldReward("47+38=", "185"), 1e-12); // 0.5 * 2/2 - 0.1 * 1
        assertEquals(-0.3, task.goldReward("47+38=", "99999"), 1e-12); // 0 - 0.1 * 3
        assertEquals(-0.5, task.goldReward("47+38=", "1111111111"), 1e-12); // clamped
        // 99+99 = 198: "197" has hundreds and tens right: 0.5 * 2/3
        assertEquals(1.0 / 3, task.goldReward("99+99=", "197"), 1e-12);
        assertEquals(1.0, task.goldReward("0+0=", "0"), 1e-12);
    }

    @Test
    void correctIsExactMatch() {
        assertEquals(Optional.of(true), task.correct("9+3=", "12"));
        assertEquals(Optional.of(false), task.correct("9+3=", "012"));
    }

    @Test
    void promptsDeterministicBySeed() {
        assertEquals(task.prompts(7, 50), task.prompts(7, 50));
        assertNotEquals(task.prompts(7, 50), task.prompts(8, 50));
        assertEquals(task.sftCorpus(3, 40), task.sftCorpus(3, 40));
    }

    @Test
    void heldOutDisjointFromTraining() {
        var eval = new HashSet<>(task.evalPrompts(task.evalPromptCount()));
        assertTrue(eval.size() > 800 && eval.size() < 1200, "about 10% held out, found " + eval.size());
        for (String p : task.prompts(1, 20_000)) {
            assertFalse(eval.contains(p), p);
        }
        for (SftExample e : task.sftCorpus(2, 5_000)) {
            assertFalse(eval.contains(e.prompt()), e.prompt());
        }
        assertEquals(task.evalPrompts(10), task.evalPrompts(20).subList(0, 10));
    }

    @Test
    void sftNoiseRateAndShape() {
        var corpus = task.sftCorpus(11, 20_000);
        long wrong = corpus.stream()
                .filter(e -> !task.correct(e.prompt(), e.response()).orElseThrow())
                .count();
        assertEquals(ArithmeticTask.DEFAULT_NOISE, wrong / 20_000.0, 0.015);
        for (SftExample e : corpus) {
            assertEquals(task.answer(e.prompt()).length(), e.response().length(), e.toString());
        }
        var clean = new ArithmeticTask(0.0).sftCorpus(11, 2_000);
        assertTrue(clean.stream()
                .allMatch(e -> task.correct(e.prompt(), e.response()).orElseThrow()));
    }

    @Test
    void badInputsNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> task.goldReward("47-38=", "9"));
        assertTrue(e.getMessage().contains("47-38="), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ArithmeticTask(1.5));
        assertThrows(IllegalArgumentException.class, () -> task.evalPrompts(100_000));
    }

    @Test
    void discoveredByName() {
        assertEquals("arithmetic", Tasks.byName("arithmetic").name());
        var e = assertThrows(IllegalArgumentException.class, () -> Tasks.byName("chess"));
        assertTrue(
                e.getMessage().contains("chess") && e.getMessage().contains("[arithmetic, sentiment]"), e.getMessage());
    }
}
