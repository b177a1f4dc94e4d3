package io.prefstream.model.chat;

import com.hubspot.jinjava.el.ext.NamedParameter;
import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;
import jinjava.javax.el.ELResolver;

/**
 * The Python {@code str} methods chat templates call ({@code content.strip()}, {@code role.startswith('tool')},
 * {@code content.split('</think>')[-1]}), with Python's semantics, on the Java strings Jinjava hands a template.
 * Jinja runs templates on Python strings, so these are plain method calls there; Jinjava would otherwise look them
 * up as Java methods, where {@code startswith} does not exist and {@code split} takes a regular expression.
 *
 * <p>Supported: {@code strip lstrip rstrip ([chars])}, {@code split ([sep [, maxsplit]])},
 * {@code startswith endswith (prefix | (prefixes...) [, start [, end]])}, {@code upper lower title capitalize ()},
 * {@code replace (old, new [, count])}, {@code join (iterable)}. Any other method falls through to Jinjava. Also
 * {@code s[i]}, which Jinjava lacks for strings.
 */
final class PythonStringMethods extends ELResolver {

    private static final Pattern INTEGER = Pattern.compile("-?[0-9]{1,9}");
    private static final Set<String> METHODS = Set.of(
            "strip",
            "lstrip",
            "rstrip",
            "split",
            "startswith",
            "endswith",
            "upper",
            "lower",
            "title",
            "capitalize",
            "replace",
            "join");

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof String s) || !(method instanceof String name) || !METHODS.contains(name)) {
            return null;
        }
        var args = new Args(name, params == null ? new Object[0] : params);
        Object result = switch (name) {
            case "strip" -> strip(s, args.optionalString(0, "chars", 1), true, true);
            case "lstrip" -> strip(s, args.optionalString(0, "chars", 1), true, false);
            case "rstrip" -> strip(s, args.optionalString(0, "chars", 1), false, true);
            case "split" -> split(s, args.optionalString(0, "sep", 2), args.optionalInt(1, "maxsplit", -1));
            case "startswith" -> matchesAffix(s, args, true);
            case "endswith" -> matchesAffix(s, args, false);
            case "upper" -> args.none(s.toUpperCase(Locale.ROOT));
            case "lower" -> args.none(s.toLowerCase(Locale.ROOT));
            case "title" -> args.none(title(s));
            case "capitalize" -> args.none(capitalize(s));
            case "replace" ->
                replace(s, args.string(0, "old", 3), args.string(1, "new", 3), args.optionalInt(2, "count", -1));
            case "join" -> join(s, args.one());
            default -> throw new IllegalStateException("unhandled str method " + name);
        };
        context.setPropertyResolved(true);
        return result;
    }

    /**
     * Python's {@code str.isspace} for one character: the ASCII whitespace and separators U+001C..U+001F, plus the
     * Unicode spaces and line/paragraph separators. Java's {@link Character#isWhitespace} misses the no-break spaces.
     */
    static boolean isPythonSpace(char c) {
        return (c >= '\t' && c <= '\r')
                || (c >= '\u001c' && c <= ' ')
                || c == '\u0085'
                || c == '\u00a0'
                || c == '\u1680'
                || (c >= '\u2000' && c <= '\u200a')
                || c == '\u2028'
                || c == '\u2029'
                || c == '\u202f'
                || c == '\u205f'
                || c == '\u3000';
    }

    /** {@code s.strip(chars)}, {@code lstrip} or {@code rstrip}; {@code chars == null} strips Python whitespace. */
    static String strip(String s, String chars, boolean left, boolean right) {
        int start = 0;
        int end = s.length();
        while (left && start < end && stripped(s.charAt(start), chars)) {
            start++;
        }
        while (right && end > start && stripped(s.charAt(end - 1), chars)) {
            end--;
        }
        return s.substring(start, end);
    }

    private static boolean stripped(char c, String chars) {
        return chars == null ? isPythonSpace(c) : chars.indexOf(c) >= 0;
    }

    /** {@code s.split(sep, maxsplit)}: on runs of whitespace without {@code sep}, else on each literal {@code sep}. */
    static List<String> split(String s, String sep, int maxsplit) {
        var parts = new ArrayList<String>();
        if (sep == null) {
            int i = 0;
            while (true) {
                while (i < s.length() && isPythonSpace(s.charAt(i))) {
                    i++;
                }
                if (i == s.length()) {
                    break;
                }
                if (maxsplit >= 0 && parts.size() == maxsplit) {
                    parts.add(s.substring(i)); // the rest keeps its trailing whitespace, as in Python
                    break;
                }
                int j = i;
                while (j < s.length() && !isPythonSpace(s.charAt(j))) {
                    j++;
                }
                parts.add(s.substring(i, j));
                i = j;
            }
            return parts;
        }
        if (sep.isEmpty()) {
            throw new ELException("ValueError: empty separator in str.split()");
        }
        int from = 0;
        int at;
        while ((maxsplit < 0 || parts.size() < maxsplit) && (at = s.indexOf(sep, from)) >= 0) {
            parts.add(s.substring(from, at));
            from = at + sep.length();
        }
        parts.add(s.substring(from));
        return parts;
    }

    private static boolean matchesAffix(String s, Args args, boolean prefix) {
        args.atMost(3);
        int length = s.length();
        int start = sliceIndex(args.optionalInt(1, null, 0), length);
        int end = Math.min(sliceIndex(args.optionalInt(2, null, length), length), length);
        if (start > length) {
            return false;
        }
        String window = s.substring(start, Math.max(start, end));
        Object affix = args.one(0);
        var candidates = new ArrayList<String>();
        if (affix instanceof String a) {
            candidates.add(a);
        } else if (affix instanceof Collection<?> c && c.stream().allMatch(String.class::isInstance)) {
            c.forEach(a -> candidates.add((String) a));
        } else {
            throw new ELException(
                    "TypeError: " + args.method + " first arg must be str or a tuple of str, not " + typeName(affix));
        }
        return candidates.stream().anyMatch(a -> prefix ? window.startsWith(a) : window.endsWith(a));
    }

    /** A Python slice bound: negative counts from the end; clamped to [0, length]. */
    private static int sliceIndex(int i, int length) {
        return i < 0 ? Math.max(0, i + length) : i;
    }

    /** Python's {@code str.title}: a cased character after an uncased one goes to title case, others to lower. */
    static String title(String s) {
        var out = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            int mapped = previousCased ? Character.toLowerCase(c) : Character.toTitleCase(c);
            out.appendCodePoint(mapped);
            previousCased = Character.isUpperCase(c) || Character.isLowerCase(c) || Character.isTitleCase(c);
            i += Character.charCount(c);
        }
        return out.toString();
    }

    /** Python's {@code str.capitalize}: first character to title case, the rest to lower case. */
    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int first = s.codePointAt(0);
        return new StringBuilder()
                .appendCodePoint(Character.toTitleCase(first))
                .append(s.substring(Character.charCount(first)).toLowerCase(Locale.ROOT))
                .toString();
    }

    /** {@code s.replace(old, new, count)}; a negative count replaces every occurrence. */
    static String replace(String s, String old, String replacement, int count) {
        if (count < 0) {
            return s.replace(old, replacement);
        }
        var out = new StringBuilder();
        int from = 0;
        int done = 0;
        while (done < count) {
            int at = old.isEmpty() ? from : s.indexOf(old, from);
            if (at < 0) {
                break;
            }
            out.append(s, from, at).append(replacement);
            done++;
            if (old.isEmpty()) {
                if (at == s.length()) {
                    from = at;
                    break;
                }
                out.append(s.charAt(at));
                from = at + 1;
            } else {
                from = at + old.length();
            }
        }
        return out.append(s.substring(Math.min(from, s.length()))).toString();
    }

    private static String join(String separator, Object iterable) {
        if (!(iterable instanceof Iterable<?> items)) {
            throw new ELException("TypeError: can only join an iterable, not " + typeName(iterable));
        }
        var out = new StringBuilder();
        int i = 0;
        for (Object item : items) {
            if (!(item instanceof String text)) {
                throw new ELException(
                        "TypeError: sequence item " + i + ": expected str instance, " + typeName(item) + " found");
            }
            out.append(i++ == 0 ? "" : separator).append(text);
        }
        return out.toString();
    }

    private static String typeName(Object o) {
        return o == null ? "NoneType" : o.getClass().getSimpleName();
    }

    /** A Python call's arguments: positional ones in order, keyword ones as Jinjava's named parameters. */
    private static final class Args {
        private final String method;
        private final Object[] values;

        Args(String method, Object[] values) {
            this.method = method;
            this.values = values;
        }

        Object get(int position, String keyword) {
            for (Object v : values) {
                if (v instanceof NamedParameter p && p.getName().equals(keyword)) {
                    return p.getValue();
                }
            }
            if (position < values.length && !(values[position] instanceof NamedParameter)) {
                return values[position];
            }
            return Absent.VALUE;
        }

        void atMost(int n) {
            if (values.length > n) {
                throw new ELException("TypeError: str." + method + "() takes at most " + n + " arguments ("
                        + values.length + " given)");
            }
        }

        Object none(Object result) {
            atMost(0);
            return result;
        }

        Object one() {
            atMost(1);
            return one(0);
        }

        Object one(int position) {
            Object v = get(position, null);
            if (v == Absent.VALUE) {
                throw new ELException("TypeError: str." + method + "() missing required argument " + (position + 1));
            }
            return v;
        }

        String string(int position, String keyword, int max) {
            atMost(max);
            Object v = get(position, keyword);
            if (!(v instanceof String s)) {
                throw new ELException("TypeError: str." + method + "() argument '" + keyword + "' must be str, not "
                        + (v == Absent.VALUE ? "missing" : typeName(v)));
            }
            return s;
        }

        String optionalString(int position, String keyword, int max) {
            atMost(max);
            Object v = get(position, keyword);
            if (v == Absent.VALUE || v == null) {
                return null;
            }
            if (!(v instanceof String s)) {
                throw new ELException("TypeError: str." + method + "() argument '" + keyword
                        + "' must be str or None, not " + typeName(v));
            }
            return s;
        }

        int optionalInt(int position, String keyword, int otherwise) {
            Object v = get(position, keyword);
            if (v == Absent.VALUE || v == null) {
                return otherwise;
            }
            if (!(v instanceof Long || v instanceof Integer)) {
                throw new ELException("TypeError: str." + method + "() argument " + (position + 1)
                        + " must be an integer, not " + typeName(v));
            }
            return Math.toIntExact(((Number) v).longValue());
        }
    }

    private enum Absent {
        VALUE
    }

    /**
     * {@code s[i]}: the character at {@code i}, counting from the end when negative; none when out of range (Jinja's
     * undefined). Jinjava hands the index over as a string and has no indexing of strings itself.
     */
    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        if (!(base instanceof String s)
                || property == null
                || !INTEGER.matcher(property.toString()).matches()) {
            return null;
        }
        context.setPropertyResolved(true);
        long i = Long.parseLong(property.toString());
        long at = i < 0 ? i + s.length() : i;
        return at >= 0 && at < s.length() ? String.valueOf(s.charAt((int) at)) : null;
    }

    // The rest of property access falls through to Jinjava's resolvers.

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {}

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
