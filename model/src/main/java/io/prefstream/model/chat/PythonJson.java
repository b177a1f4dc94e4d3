package io.prefstream.model.chat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps(x, ensure_ascii, indent, separators, sort_keys)}, character for character, for the
 * values a chat template sees (maps, lists, strings, numbers, booleans, null). transformers renders chat templates
 * with its own {@code tojson} filter, {@code json.dumps(x, ensure_ascii=False, indent=None, separators=None,
 * sort_keys=False)}, so tool schemas and tool-call arguments must come out the way Python writes them: {@code ", "}
 * and {@code ": "} separators, floats as {@code repr} writes them ({@code 1.0}, {@code 1e-05}), non-ASCII kept.
 */
final class PythonJson {

    private final boolean ensureAscii;
    private final String indent; // null: one line
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;

    /**
     * @param indent     {@code null} for one line, else the string repeated once per nesting level (Python turns an
     *                   int {@code n} into {@code n} spaces)
     * @param separators {@code null} for Python's default ({@code ", "} and {@code ": "} on one line, {@code ","} and
     *                   {@code ": "} when indenting), else the item and key separators
     */
    PythonJson(boolean ensureAscii, String indent, List<String> separators, boolean sortKeys) {
        if (separators != null && separators.size() != 2) {
            throw new IllegalArgumentException(
                    "json separators must be (item_separator, key_separator); found " + separators);
        }
        this.ensureAscii = ensureAscii;
        this.indent = indent;
        this.itemSeparator = separators != null ? separators.get(0) : indent == null ? ", " : ",";
        this.keySeparator = separators != null ? separators.get(1) : ": ";
        this.sortKeys = sortKeys;
    }

    /** transformers' {@code tojson} default: {@code json.dumps(x, ensure_ascii=False)}. */
    static String dumps(Object value) {
        return new PythonJson(false, null, null, false).write(value);
    }

    /** {@code value} as JSON text. */
    String write(Object value) {
        var out = new StringBuilder();
        write(value, 0, out);
        return out.toString();
    }

    private void write(Object value, int level, StringBuilder out) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof CharSequence s) {
            writeString(s.toString(), out);
        } else if (value instanceof Boolean b) {
            out.append(b ? "true" : "false");
        } else if (value instanceof Integer
                || value instanceof Long
                || value instanceof Short
                || value instanceof Byte
                || value instanceof BigInteger) {
            out.append(value);
        } else if (value instanceof Number n) {
            out.append(floatRepr(n instanceof BigDecimal d ? d.doubleValue() : n.doubleValue()));
        } else if (value instanceof Map<?, ?> map) {
            writeObject(map, level, out);
        } else if (value instanceof List<?> list) {
            writeArray(list, level, out);
        } else if (value instanceof Object[] array) {
            writeArray(Arrays.asList(array), level, out);
        } else {
            throw new IllegalArgumentException(
                    "tojson: object of type " + value.getClass().getSimpleName()
                            + " is not JSON serializable; expected a map, list, string, number, boolean or none");
        }
    }

    private void writeArray(List<?> list, int level, StringBuilder out) {
        if (list.isEmpty()) {
            out.append("[]");
            return;
        }
        out.append('[');
        for (int i = 0; i < list.size(); i++) {
            out.append(i == 0 ? "" : itemSeparator);
            newline(level + 1, out);
            write(list.get(i), level + 1, out);
        }
        newline(level, out);
        out.append(']');
    }

    private void writeObject(Map<?, ?> map, int level, StringBuilder out) {
        if (map.isEmpty()) {
            out.append("{}");
            return;
        }
        var members = new ArrayList<Member>();
        for (var e : map.entrySet()) {
            members.add(new Member(key(e.getKey()), e.getValue()));
        }
        if (sortKeys) {
            members.sort((a, b) -> compareCodePoints(a.key(), b.key()));
        }
        out.append('{');
        for (int i = 0; i < members.size(); i++) {
            out.append(i == 0 ? "" : itemSeparator);
            newline(level + 1, out);
            writeString(members.get(i).key(), out);
            out.append(keySeparator);
            write(members.get(i).value(), level + 1, out);
        }
        newline(level, out);
        out.append('}');
    }

    private record Member(String key, Object value) {}

    private void newline(int level, StringBuilder out) {
        if (indent != null) {
            out.append('\n').append(indent.repeat(level));
        }
    }

    /** Keys as Python's encoder coerces them: strings as they are, numbers, booleans and None to their JSON text. */
    private static String key(Object key) {
        if (key instanceof CharSequence s) {
            return s.toString();
        }
        if (key == null) {
            return "null";
        }
        if (key instanceof Boolean || key instanceof Number) {
            return new PythonJson(false, null, null, false).write(key);
        }
        throw new IllegalArgumentException("tojson: keys must be str, int, float, bool or None, not "
                + key.getClass().getSimpleName());
    }

    private void writeString(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        // Python writes lower-case hex, and UTF-16 surrogate pairs for astral characters, as Java
                        // strings already hold them.
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /**
     * Python's {@code float.__repr__}: the shortest digits that read back to the same double, positional when the
     * decimal exponent is in [-4, 16), else scientific with a signed, at least two-digit exponent.
     */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        var decimal = shortestDecimal(Math.abs(d));
        String digits = decimal.unscaledValue().toString();
        int exponent = digits.length() - 1 - decimal.scale(); // d = digits[0].digits[1..] × 10^exponent
        String sign = d < 0 ? "-" : "";
        if (exponent < -4 || exponent >= 16) {
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
        }
        String plain = decimal.toPlainString();
        return sign + (plain.contains(".") ? plain : plain + ".0");
    }

    /**
     * The decimal with the fewest significant digits that reads back as {@code d}, the nearest such if two do
     * (what Python's repr finds; JDK 17's {@link Double#toString} is not always shortest, e.g. 4.9E-324).
     */
    private static BigDecimal shortestDecimal(double d) {
        var exact = new BigDecimal(d);
        for (int digits = 1; digits <= 17; digits++) {
            BigDecimal best = null;
            for (var mode : new RoundingMode[] {RoundingMode.HALF_EVEN, RoundingMode.FLOOR, RoundingMode.CEILING}) {
                var candidate = exact.round(new MathContext(digits, mode));
                if (candidate.doubleValue() == d
                        && (best == null
                                || candidate
                                                .subtract(exact)
                                                .abs()
                                                .compareTo(best.subtract(exact).abs())
                                        < 0)) {
                    best = candidate;
                }
            }
            if (best != null) {
                return best.stripTrailingZeros();
            }
        }
        return exact.round(new MathContext(17, RoundingMode.HALF_EVEN)).stripTrailingZeros();
    }

    private static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
