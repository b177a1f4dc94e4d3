package io.prefstream.launcher.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.prefstream.launcher.UsageException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reading experiment specs: values as written, every mistake named by its field. */
class ExperimentSpecTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static ExperimentSpec parse(String yaml) throws Exception {
        return ExperimentSpec.parse(YAML.readTree(yaml), "spec.yaml");
    }

    private static final String GOOD = """
            name: t
            claim: c
            seeds: [3, 1]
            steps: 50
            options: {online-fraction: 0.5}
            set: {trainer.beta: 0.2}
            arms:
              - {name: A one, algo: hypo, steps: 20, set: {trainer.lambda: 0.05, trainer.beta: 0.3}}
              - {name: B, algo: dpo, options: {online-fraction: 0}}
            checks:
              - {arm: A one, baseline: B, metric: kl, direction: not-lower}
            """;

    @Test
    void valuesAreReadAsWrittenAndArmsOverrideTheSpec() throws Exception {
        var spec = parse(GOOD);
        assertEquals(List.of(3L, 1L), spec.seeds());
        assertEquals("arithmetic", spec.task());
        assertEquals("default", spec.profile());
        var a = spec.arm("A one");
        assertEquals("a-one", a.slug());
        assertEquals(20, spec.stepsOf(a));
        assertEquals(50, spec.stepsOf(spec.arm("B")));
        assertEquals(Map.of("trainer.beta", "0.3", "trainer.lambda", "0.05"), spec.setOf(a));
        assertEquals(Map.of("online-fraction", "0"), spec.optionsOf(spec.arm("B")));
        assertEquals(ExperimentSpec.Direction.NOT_LOWER, spec.checks().get(0).direction());
        assertEquals(7, spec.withSteps(7).stepsOf(spec.withSteps(7).arm("A one")), "--steps wins over the arm's");
        var runner = new ExperimentRunner(spec, Path.of("o"), Path.of("c"));
        assertEquals(
                List.of(
                        "demo",
                        "--json",
                        "--task",
                        "arithmetic",
                        "--profile",
                        "default",
                        "--algo",
                        "dpo",
                        "--seed",
                        "1",
                        "--steps",
                        "50",
                        "--cache-dir",
                        "c",
                        "--online-fraction",
                        "0",
                        "--set",
                        "trainer.beta=0.2"),
                runner.demoArgs(spec.arm("B"), 1));
        assertEquals(4, runner.plan().size());
        assertEquals(
                Path.of("o", "runs", "a-one", "seed-3"), runner.plan().get(0).dir());
    }

    @Test
    void mistakesNameTheirField() {
        assertError(GOOD.replace("steps: 50", "steps: 0"), "field steps: expected a whole number ≥ 1, found 0");
        assertError(GOOD.replace("seeds: [3, 1]", "seeds: [3, 3]"), "field seeds: expected distinct seeds");
        assertError(GOOD.replace("claim: c", "claim: c\nseed: 1"), "field seed: expected one of the fields");
        assertError(GOOD.replace("baseline: B", "baseline: C"), "field checks[0].baseline: expected one of the arms");
        assertError(
                GOOD.replace("direction: not-lower", "direction: up"),
                "field checks[0].direction: expected higher, lower, not-lower or not-higher, found up");
        assertError(GOOD.replace("name: B,", "name: a-ONE,"), "field arms[1].name: expected a name distinct");
        assertError(GOOD.replace("metric: kl", "metric: gold_within_kl"), "field metrics.kl-budget: expected a number");
        assertError(
                GOOD.replace("options: {online-fraction: 0}", "options: [1]"),
                "field arms[1].options: expected a mapping of names to values, found [1]");
    }

    private static void assertError(String yaml, String expected) {
        var e = assertThrows(UsageException.class, () -> parse(yaml));
        assertTrue(e.getMessage().startsWith("spec.yaml: ") && e.getMessage().contains(expected), e.getMessage());
    }
}
