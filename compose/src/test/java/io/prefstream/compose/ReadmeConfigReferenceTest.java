package io.prefstream.compose;

import static org.assertj.core.api.Assertions.assertThat;

import io.prefstream.generator.GeneratorSettings;
import io.prefstream.labeler.LabelerSettings;
import io.prefstream.platform.config.CommonSettings;
import io.prefstream.platform.config.Setting;
import io.prefstream.platform.config.SettingSet;
import io.prefstream.trainer.TrainerSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's configuration reference is generated from the services' settings and must match them:
 * every key, default and environment variable. Between {@code <!-- config:NAME -->} and
 * {@code <!-- /config -->} the README holds {@link SettingSet#documentation()} of that set. After changing
 * a setting, regenerate with {@code mvn -pl compose test -Dtest=ReadmeConfigReferenceTest -Dreadme.update=true}.
 */
class ReadmeConfigReferenceTest {

    private static final Path README =
            Path.of(System.getProperty("compose.dir", ".")).resolve("../README.md");
    private static final Pattern SECTION =
            Pattern.compile("(<!-- config:([a-z]+) -->\\n)(.*?)(<!-- /config -->)", Pattern.DOTALL);

    static Map<String, SettingSet> sections() {
        var sections = new LinkedHashMap<String, SettingSet>();
        sections.put("common", CommonSettings.ALL);
        sections.put("generator", withoutCommon(GeneratorSettings.ALL));
        sections.put("labeler", withoutCommon(LabelerSettings.ALL));
        sections.put("trainer", withoutCommon(TrainerSettings.ALL));
        return sections;
    }

    @Test
    void configurationReferenceMatchesTheSettings() throws IOException {
        String readme = Files.readString(README);
        var sections = sections();
        var found = new LinkedHashMap<String, String>();
        Matcher m = SECTION.matcher(readme);
        var rewritten = new StringBuilder();
        while (m.find()) {
            String name = m.group(2);
            found.put(name, m.group(3));
            SettingSet set = sections.get(name);
            String body = set == null ? m.group(3) : set.documentation();
            m.appendReplacement(rewritten, Matcher.quoteReplacement(m.group(1) + body + m.group(4)));
        }
        m.appendTail(rewritten);
        if (Boolean.getBoolean("readme.update")) {
            Files.writeString(README, rewritten.toString());
            return;
        }
        assertThat(found.keySet()).as("config sections in README.md").containsExactlyElementsOf(sections.keySet());
        for (var entry : sections.entrySet()) {
            assertThat(found.get(entry.getKey()))
                    .as("README section config:" + entry.getKey() + " is stale; regenerate with "
                            + "mvn -pl compose test -Dtest=ReadmeConfigReferenceTest -Dreadme.update=true")
                    .isEqualTo(entry.getValue().documentation());
        }
    }

    private static SettingSet withoutCommon(SettingSet all) {
        var own = new java.util.ArrayList<Setting<?>>();
        for (Setting<?> s : all.settings()) {
            if (CommonSettings.ALL.find(s.key()).isEmpty()) {
                own.add(s);
            }
        }
        return new SettingSet(own);
    }
}
