package io.prefstream.launcher.settings;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prefstream.platform.config.Setting;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, one name, one type: code names a setting only through its {@link Setting} constant.
 * Collects the key of every {@code public static final Setting} of every {@code *Settings} class
 * in the main sources of every module, then fails listing {@code file:line} wherever a main source
 * other than the declaring class holds that key as a string literal ({@code "trainer.beta"}).
 */
class SettingKeyLiteralsTest {

    /**
     * Names of other systems' configuration that happen to equal a setting key, in the classes
     * that define them for those systems: Confluent's serde/registry client property
     * {@code schema.registry.url} (not our setting {@code schema.registry.url}).
     */
    private static final Map<String, Set<String>> FOREIGN_NAMES =
            Map.of("schema.registry.url", Set.of("AvroSerdeConfig.java", "RegistryClientConfig.java"));

    @Test
    void settingKeysAppearOnlyInTheClassesDeclaringThem() throws Exception {
        Path root = repositoryRoot();
        List<Path> sources = mainSources(root);
        var declaredIn = new TreeMap<String, Path>(); // key -> declaring source
        for (Path file : sources) {
            String name = file.getFileName().toString();
            if (!name.endsWith("Settings.java")) {
                continue;
            }
            Class<?> type = Class.forName(className(file));
            for (Field f : type.getDeclaredFields()) {
                int mod = f.getModifiers();
                if (Setting.class.isAssignableFrom(f.getType())
                        && Modifier.isStatic(mod)
                        && Modifier.isPublic(mod)
                        && Modifier.isFinal(mod)) {
                    declaredIn.putIfAbsent(((Setting<?>) f.get(null)).key(), file);
                }
            }
        }
        assertTrue(declaredIn.containsKey("trainer.beta"), "found the settings classes: " + declaredIn.keySet());
        assertTrue(declaredIn.containsKey("generator.mode"), "found the settings classes: " + declaredIn.keySet());

        var hits = new ArrayList<String>();
        for (Path file : sources) {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.indexOf('"') < 0) {
                    continue;
                }
                for (var entry : declaredIn.entrySet()) {
                    String key = entry.getKey();
                    if (!line.contains('"' + key + '"') || file.equals(entry.getValue())) {
                        continue;
                    }
                    String name = file.getFileName().toString();
                    if (FOREIGN_NAMES.getOrDefault(key, Set.of()).contains(name)) {
                        continue;
                    }
                    hits.add(root.relativize(file) + ":" + (i + 1) + ": \"" + key + "\" (use "
                            + root.relativize(entry.getValue())
                                    .getFileName()
                                    .toString()
                                    .replace(".java", "")
                            + "'s constant)");
                }
            }
        }
        assertTrue(
                hits.isEmpty(),
                "Setting keys written as string literals outside their settings class (" + hits.size() + "):\n"
                        + String.join("\n", hits));
    }

    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("platform").resolve("src"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException(
                    "no repository root above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    /** Every {@code <module>/src/main/java/**.java}. */
    private static List<Path> mainSources(Path root) throws IOException {
        var out = new ArrayList<Path>();
        try (Stream<Path> modules = Files.list(root)) {
            for (Path module : modules.sorted().toList()) {
                Path java = module.resolve("src").resolve("main").resolve("java");
                if (!Files.isDirectory(java)) {
                    continue;
                }
                try (Stream<Path> files = Files.walk(java)) {
                    files.filter(f -> f.toString().endsWith(".java")).sorted().forEach(out::add);
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return out;
    }

    /** {@code .../src/main/java/io/prefstream/x/YSettings.java} to {@code io.prefstream.x.YSettings}. */
    private static String className(Path file) {
        String s = file.toString().replace('\\', '/');
        String rel = s.substring(s.indexOf("/src/main/java/") + "/src/main/java/".length());
        return rel.substring(0, rel.length() - ".java".length()).replace('/', '.');
    }
}
