package io.prefstream.model.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Python pieces chat templates see, checked value for value against CPython 3.11 on Linux: {@code json.dumps}
 * (transformers' {@code tojson}), {@code datetime.strftime} (its {@code strftime_now}) and {@code str} methods.
 */
class ChatTemplatePythonTest {

    @Test
    void floatsPrintAsPythonsRepr() {
        double[] values = {
            1.0,
            0.1,
            1e-05,
            0.0001,
            1e16,
            1e15,
            123456.789,
            -2.5,
            1.0 / 3,
            5e-324,
            Double.MAX_VALUE,
            Double.POSITIVE_INFINITY,
            Double.NaN,
            -0.0,
            100.0,
            9007199254740992.0
        };
        String[] python = {
            "1.0",
            "0.1",
            "1e-05",
            "0.0001",
            "1e+16",
            "1000000000000000.0",
            "123456.789",
            "-2.5",
            "0.3333333333333333",
            "5e-324",
            "1.7976931348623157e+308",
            "Infinity",
            "NaN",
            "-0.0",
            "100.0",
            "9007199254740992.0"
        };
        assertEquals(
                Arrays.asList(python),
                Arrays.stream(values).mapToObj(PythonJson::floatRepr).toList());
    }

    @Test
    void jsonDumpsEscapesOnlyWhatPythonEscapes() {
        var value = new LinkedHashMap<String, Object>();
        value.put("b", List.of(1L, mapOf("c", null)));
        value.put("a", "\u00e9\u2028\u007f\u0001\t");
        assertEquals("{\"b\": [1, {\"c\": null}], \"a\": \"\u00e9\u2028\u007f\\u0001\\t\"}", PythonJson.dumps(value));
        value.put("a", "\u00e9\u2028\u007f\u0001\t\ud83d\ude00");
        assertEquals(
                "{\"b\": [1, {\"c\": null}], \"a\": \"\\u00e9\\u2028\\u007f\\u0001\\t\\ud83d\\ude00\"}",
                new PythonJson(true, null, null, false).write(value));
    }

    @Test
    void jsonDumpsIndentsSeparatesAndSortsAsPython() {
        var value = new LinkedHashMap<String, Object>();
        value.put("b", List.of());
        value.put("a", Map.of());
        value.put("c", List.of(1L));
        assertEquals(
                "{\n\"b\": [],\n\"a\": {},\n\"c\": [\n1\n]\n}", new PythonJson(false, "", null, false).write(value));
        value.put("c", List.of(1L, 2L));
        assertEquals(
                "{\n\t\"a\": {}, \n\t\"b\": [], \n\t\"c\": [\n\t\t1, \n\t\t2\n\t]\n}",
                new PythonJson(false, "\t", List.of(", ", ": "), true).write(value));
        assertEquals(
                "{\"b\":[],\"a\":{},\"c\":[1,2]}", new PythonJson(false, null, List.of(",", ":"), false).write(value));
        var keys = new LinkedHashMap<Object, Object>();
        keys.put(null, "z");
        keys.put(2.5, "w");
        keys.put(3L, "x");
        keys.put(true, "t");
        assertEquals("{\"null\": \"z\", \"2.5\": \"w\", \"3\": \"x\", \"true\": \"t\"}", PythonJson.dumps(keys));
        var e = assertThrows(IllegalArgumentException.class, () -> PythonJson.dumps(new Object()));
        assertEquals(
                "tojson: object of type Object is not JSON serializable; expected a map, list, string, "
                        + "number, boolean or none",
                e.getMessage());
    }

    @Test
    void strftimeMatchesGlibc() {
        var sunday = LocalDateTime.of(2024, 1, 7, 0, 4, 9, 123_456_000);
        assertEquals(
                "Sun Sunday Jan January 07  7 00 12 007 01 04 AM 09 0 24 2024 %",
                Strftime.format(sunday, "%a %A %b %B %d %e %H %I %j %m %M %p %S %w %y %Y %%"));
        assertEquals("01 01 01 2024 7", Strftime.format(sunday, "%U %W %V %G %u"));
        assertEquals(
                "Sun Jan  7 00:04:09 2024|01/07/24|00:04:09|01/07/24|2024-01-07|00:04:09|00:04",
                Strftime.format(sunday, "%c|%x|%X|%D|%F|%T|%R"));
        assertEquals("7/1  7 12am  0 12", Strftime.format(sunday, "%-d/%-m %_d %-I%P %k %l"));
        assertEquals("123456 |%Q", Strftime.format(sunday, "%f %z%Z|%Q"));
        var newYearsEve = LocalDateTime.of(2023, 12, 31, 13, 0, 0);
        assertEquals(
                "Sun Sunday Dec December 31 31 13 01 365 12 00 PM 00 0 23 2023 %",
                Strftime.format(newYearsEve, "%a %A %b %B %d %e %H %I %j %m %M %p %S %w %y %Y %%"));
        assertEquals("53 52 52 2023 7", Strftime.format(newYearsEve, "%U %W %V %G %u"));
    }

    @Test
    void stringMethodsMatchPython() {
        assertEquals(List.of("a", "b  c "), PythonStringMethods.split("a b  c ", null, 1));
        assertEquals(List.of("a,b"), PythonStringMethods.split("a,b", ",", 0));
        assertEquals(List.of(), PythonStringMethods.split("", null, -1));
        assertEquals(List.of(""), PythonStringMethods.split("", ",", -1));
        assertEquals("\u01c5ungla X", PythonStringMethods.title("\u01c6ungla x"));
        assertEquals("They'Re Bill'S", PythonStringMethods.title("they're bill's"));
        assertEquals("\u01c5", PythonStringMethods.capitalize("\u01c6"));
        assertEquals("-a-b", PythonStringMethods.replace("ab", "", "-", 2));
        assertEquals("-a-b-", PythonStringMethods.replace("ab", "", "-", -1));
        assertEquals("bba", PythonStringMethods.replace("aaa", "a", "b", 2));
        assertEquals("x", PythonStringMethods.strip("\u3000\u00a0\u2028 x\u000b\u001f", null, true, true));
        assertEquals("\u200bx", PythonStringMethods.strip("\u200bx", null, true, true)); // not whitespace in Python
    }

    private static Map<String, Object> mapOf(String key, Object value) {
        var map = new LinkedHashMap<String, Object>();
        map.put(key, value);
        return map;
    }
}
