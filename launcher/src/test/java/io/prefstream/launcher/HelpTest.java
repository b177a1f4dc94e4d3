package io.prefstream.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** What a new user reads first. */
class HelpTest {

    /** Issue 16: the command list showed the first line of a description, cut mid-sentence. */
    @Test
    void everyCommandInTheTopLevelHelpEndsItsSentence() {
        var result = Cli.run("--help");
        assertEquals(0, result.exitCode(), result.err());
        String commands = result.out().substring(result.out().indexOf("Commands:"));
        // one entry per command, continuation lines joined
        String[] entries =
                commands.replaceAll("\\R\\s{10,}", " ").lines().skip(1).toArray(String[]::new);
        assertTrue(entries.length >= 15, commands);
        for (String entry : entries) {
            assertTrue(entry.strip().endsWith("."), "cut mid-sentence: " + entry);
        }
    }

    /** Issue 16: the labeler and trainer help used a generator key as their --set example. */
    @Test
    void eachServiceShowsASetExampleOfItsOwnKeys() {
        for (String service : new String[] {"generator", "labeler", "trainer"}) {
            var help = Cli.run(service, "--help");
            String text = help.out().replaceAll("\\s+", " ");
            assertTrue(text.contains("e.g. --set " + service + "."), service + ": " + help.out());
        }
    }
}
