package io.prefstream.model.chat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Jinja template's source made ready for Jinjava: the parts of Jinja's lexer that Jinjava gets wrong or lacks,
 * applied to the text as Jinja applies them (jinja2/lexer.py), plus the filter and test names the template uses.
 *
 * <ul>
 *   <li>Newlines: {@code \r\n} and {@code \r} become {@code \n}, and one trailing newline is dropped
 *       ({@code keep_trailing_newline=False}).</li>
 *   <li>{@code lstrip_blocks}: the spaces and tabs between the start of a line and a {@code {%} or {@code {#} are
 *       removed, and only those: Jinjava also strips spaces before a tag that follows other text on its line
 *       ({@code "a {% if x %}"} loses its space). A line starts after a newline, at the start of the template, and
 *       after a tag whose match ended in a newline (one eaten by {@code trim_blocks} or by {@code -%}}).
 *       {@code {%+} turns {@code lstrip_blocks} off for its tag and is written as {@code {%}.</li>
 *   <li>Comments: replaced by {@code {{ '' }}}, with their {@code {#-}, {@code -#}} and {@code trim_blocks}
 *       applied here (Jinjava trims around comments the wrong way); the placeholder keeps the comment a token
 *       boundary and carries the comment's newlines so line numbers in errors stay right.</li>
 *   <li>{@code }}} inside an expression ({@code {{ {'a': {}} }}}) is written {@code } }}: Jinja balances brackets
 *       before looking for the closing {@code }}}, Jinjava does not.</li>
 *   <li>A keyword argument's value is parenthesised, {@code namespace(last=messages|length - 1)} to
 *       {@code namespace(last=(messages|length - 1))}: Jinjava binds {@code last=messages|length} before the
 *       {@code -} (Qwen3's template has this).</li>
 *   <li>A slice with a step, {@code messages[::-1]} (Qwen3), becomes {@code (messages|py_slice(none, none, -1))}:
 *       Jinjava's parser has no step.</li>
 * </ul>
 *
 * @param jinjava the source to hand Jinjava
 * @param filters the names after {@code |} in tags and expressions (string literals skipped)
 * @param tests   the names after {@code is} and {@code is not}
 */
record JinjaSource(String jinjava, Set<String> filters, Set<String> tests) {

    private static final Pattern RAW_BEGIN = Pattern.compile("\\{%[-+]?\\s*raw\\s*[-+]?%}");
    private static final Pattern RAW_END = Pattern.compile("\\{%([-+]?)\\s*endraw\\s*([-+]?)%}");
    private static final String COMMENT_PLACEHOLDER_START = "{{ ''";
    private static final String COMMENT_PLACEHOLDER_END = " }}";
    private static final Pattern KEYWORD_ARGUMENT = Pattern.compile("\\s*[A-Za-z_][A-Za-z0-9_]*\\s*");
    /** Words before a bracket that make it a list literal or grouping, not a subscript or call. */
    private static final Set<String> OPERATOR_WORDS =
            Set.of("in", "not", "and", "or", "is", "if", "else", "elif", "for", "set", "return", "do");

    /**
     * @throws IllegalArgumentException if a tag, comment, raw block or string literal is never closed; the message
     *                                  gives the line
     */
    static JinjaSource of(String template) {
        return new Lexer(normalizeNewlines(template)).run();
    }

    /** Jinja's newline handling: {@code \r\n} and {@code \r} to {@code \n}, then one trailing newline dropped. */
    static String normalizeNewlines(String template) {
        String source = template.replace("\r\n", "\n").replace('\r', '\n');
        return source.endsWith("\n") ? source.substring(0, source.length() - 1) : source;
    }

    private static final class Lexer {
        private final String src;
        private final StringBuilder out = new StringBuilder();
        private final Set<String> filters = new TreeSet<>();
        private final Set<String> tests = new TreeSet<>();
        private int pos;
        /** Whether the previous match (Jinja's term) ended in a newline; true at the start. */
        private boolean lineStarting = true;

        Lexer(String src) {
            this.src = src;
        }

        JinjaSource run() {
            while (pos < src.length()) {
                int start = nextTagStart(pos);
                if (start < 0) {
                    out.append(src, pos, src.length());
                    break;
                }
                char kind = src.charAt(start + 1);
                char sign = start + 2 < src.length() ? src.charAt(start + 2) : 0;
                sign = sign == '-' || sign == '+' ? sign : 0;
                String text = src.substring(pos, start);
                if (kind == '#' && sign == '-') {
                    text = PythonStringMethods.strip(text, null, false, true);
                } else if (kind != '{' && sign == 0) {
                    text = lstripBlocks(text);
                }
                out.append(text);
                switch (kind) {
                    case '#' -> comment(start, sign);
                    case '%' -> block(start, sign);
                    default -> expression(start);
                }
            }
            return new JinjaSource(
                    out.toString(), Collections.unmodifiableSet(filters), Collections.unmodifiableSet(tests));
        }

        private int nextTagStart(int from) {
            for (int i = src.indexOf('{', from); i >= 0 && i + 1 < src.length(); i = src.indexOf('{', i + 1)) {
                char next = src.charAt(i + 1);
                if (next == '{' || next == '%' || next == '#') {
                    return i;
                }
            }
            return -1;
        }

        /** Jinja's lstrip_blocks: drop the whitespace between the line's start and the tag, if that is all there is. */
        private String lstripBlocks(String text) {
            int lineStart = text.lastIndexOf('\n') + 1;
            if (lineStart == 0 && !lineStarting) {
                return text;
            }
            for (int i = lineStart; i < text.length(); i++) {
                if (!PythonStringMethods.isPythonSpace(text.charAt(i))) {
                    return text;
                }
            }
            return text.substring(0, lineStart);
        }

        private void comment(int start, char sign) {
            int contentStart = start + 2 + (sign != 0 ? 1 : 0);
            int end = src.indexOf("#}", contentStart);
            if (end < 0) {
                throw unclosed(start, "comment", "#}");
            }
            char endSign = end > contentStart ? src.charAt(end - 1) : 0;
            int after = end + 2;
            if (endSign == '-') {
                while (after < src.length() && PythonStringMethods.isPythonSpace(src.charAt(after))) {
                    after++;
                }
            } else if (endSign != '+' && after < src.length() && src.charAt(after) == '\n') {
                after++; // trim_blocks
            }
            lineStarting = after > end + 2 && src.charAt(after - 1) == '\n';
            out.append(COMMENT_PLACEHOLDER_START)
                    .append(newlines(src.substring(start, after)))
                    .append(COMMENT_PLACEHOLDER_END);
            pos = after;
        }

        private void block(int start, char sign) {
            Matcher raw = RAW_BEGIN.matcher(src).region(start, src.length());
            if (raw.lookingAt()) {
                rawBlock(start, raw.end());
                return;
            }
            int bodyStart = start + 2 + (sign != 0 ? 1 : 0);
            out.append("{%").append(sign == '-' ? "-" : ""); // {%+ only turns lstrip_blocks off, done above
            String tagName = identifierAt(skipSpaces(bodyStart));
            int end = body(bodyStart, "%}", start, !"macro".equals(tagName));
            char endSign = src.charAt(end - 1);
            int after = end + 2;
            out.append("%}");
            if (endSign == '-') {
                lineStarting = endsWithNewlineAfterWhitespace(after);
            } else {
                lineStarting = endSign != '+' && after < src.length() && src.charAt(after) == '\n';
            }
            pos = after;
        }

        private void expression(int start) {
            out.append("{{");
            int end = body(start + 2, "}}", start, true);
            out.append("}}");
            lineStarting = src.charAt(end - 1) == '-' && endsWithNewlineAfterWhitespace(end + 2);
            pos = end + 2;
        }

        /**
         * Copies a tag's body from {@code from} up to the {@code close} delimiter at bracket depth 0, outside
         * string literals, collecting filter and test names, and returns the delimiter's index. On the way it
         * rewrites what Jinjava parses differently from Jinja: a keyword argument's value is parenthesised
         * ({@code f(a=x - 1)} to {@code f(a=(x - 1))}; Jinjava binds {@code a=x} first), unless {@code calls} is
         * false (a macro's parameter defaults), and a slice with a step becomes a filter call
         * ({@code xs[::-1]} to {@code (xs|py_slice(none, none, -1))}; Jinjava has no step).
         */
        private int body(int from, String close, int tagStart, boolean calls) {
            int bodyStart = out.length();
            var frames = new ArrayDeque<Frame>();
            var strings = new ArrayList<int[]>(); // [start, end) of string literals in out
            int i = from;
            while (i < src.length()) {
                char c = src.charAt(i);
                if (c == '\'' || c == '"') {
                    int end = stringEnd(i, tagStart);
                    strings.add(new int[] {out.length(), out.length() + end - i});
                    out.append(src, i, end);
                    i = end;
                    continue;
                }
                if (frames.isEmpty() && src.startsWith(close, i)) {
                    return i;
                }
                Frame frame = frames.peek();
                if (c == '[' && isSubscript(bodyStart, strings)) {
                    int end = matchingBracket(i, tagStart);
                    List<String> parts = topLevelParts(i + 1, end, ':');
                    if (parts.size() == 3) {
                        int primary = primaryStart(bodyStart, strings);
                        out.insert(primary, '(');
                        for (int[] span : strings) {
                            if (span[0] >= primary) {
                                span[0]++;
                                span[1]++;
                            }
                        }
                        out.append("|py_slice(");
                        for (int p = 0; p < 3; p++) {
                            String part = parts.get(p).strip();
                            out.append(p == 0 ? "" : ", ").append(part.isEmpty() ? "none" : part);
                        }
                        out.append("))");
                        i = end + 1;
                        continue;
                    }
                }
                if (c == '(' || c == '[' || c == '{') {
                    boolean call = c == '(' && calls && isSubscript(bodyStart, strings);
                    out.append(c);
                    frames.push(new Frame(call, out.length()));
                    i++;
                    continue;
                }
                if ((c == ')' || c == ']' || c == '}') && frame != null) {
                    if (frame.kwargOpen) {
                        out.append(')');
                    }
                    frames.pop();
                } else if (c == ',' && frame != null) {
                    if (frame.kwargOpen) {
                        out.append(')');
                        frame.kwargOpen = false;
                    }
                    out.append(c);
                    frame.argStart = out.length();
                    i++;
                    continue;
                } else if (c == '=' && frame != null && frame.call && !frame.kwargOpen && isKeyword(i, frame)) {
                    out.append("=(");
                    frame.kwargOpen = true;
                    i++;
                    continue;
                }
                if (c == '|') {
                    String name = identifierAfter(i + 1);
                    if (name != null) {
                        filters.add(name);
                    }
                } else if (c == 'i'
                        && src.startsWith("is", i)
                        && isWordBoundary(i - 1)
                        && i + 2 < src.length()
                        && Character.isWhitespace(src.charAt(i + 2))) {
                    testAfter(i + 2);
                }
                if (c == '}' && out.length() > 0 && out.charAt(out.length() - 1) == '}') {
                    out.append(' '); // "}}" would close a Jinjava expression
                }
                out.append(c);
                i++;
            }
            throw unclosed(tagStart, close.equals("}}") ? "expression" : "tag", close);
        }

        /** An open bracket in a tag body: whether it is a call's, and where its current argument began in out. */
        private static final class Frame {
            private final boolean call;
            private int argStart;
            private boolean kwargOpen;

            Frame(boolean call, int argStart) {
                this.call = call;
                this.argStart = argStart;
            }
        }

        /** Whether the {@code =} at {@code i} follows {@code name} as the whole argument so far ({@code f(a=...)}). */
        private boolean isKeyword(int i, Frame frame) {
            if (i + 1 < src.length() && src.charAt(i + 1) == '=') {
                return false;
            }
            return KEYWORD_ARGUMENT
                    .matcher(out.subSequence(frame.argStart, out.length()))
                    .matches();
        }

        /**
         * Whether a bracket opened now follows an operand (a name, a closing bracket or a string), making it a
         * subscript or a call rather than a list literal or a grouping.
         */
        private boolean isSubscript(int bodyStart, List<int[]> strings) {
            int j = out.length() - 1;
            while (j >= bodyStart && Character.isWhitespace(out.charAt(j))) {
                j--;
            }
            if (j < bodyStart) {
                return false;
            }
            char c = out.charAt(j);
            if (c == ')' || c == ']' || stringEndingAt(j + 1, strings) != null) {
                return true;
            }
            if (!isIdentifierChar(c)) {
                return false;
            }
            int k = j;
            while (k > bodyStart && isIdentifierChar(out.charAt(k - 1))) {
                k--;
            }
            String word = out.substring(k, j + 1);
            return !Character.isDigit(word.charAt(0)) && !OPERATOR_WORDS.contains(word);
        }

        /** Where the operand a subscript at the end of out applies to begins: {@code a.b['c'](d)} as a whole. */
        private int primaryStart(int bodyStart, List<int[]> strings) {
            int j = out.length();
            while (true) {
                while (j > bodyStart && Character.isWhitespace(out.charAt(j - 1))) {
                    j--;
                }
                int[] string = stringEndingAt(j, strings);
                if (string != null) {
                    return string[0];
                }
                char c = out.charAt(j - 1);
                int start;
                if (c == ')' || c == ']' || c == '}') {
                    start = openingBracket(j - 1, bodyStart, strings);
                    int before = start;
                    while (before > bodyStart && Character.isWhitespace(out.charAt(before - 1))) {
                        before--;
                    }
                    boolean chained = before > bodyStart
                            && (isIdentifierChar(out.charAt(before - 1))
                                    || ")]".indexOf(out.charAt(before - 1)) >= 0
                                    || stringEndingAt(before, strings) != null);
                    if (!chained || c == '}') {
                        return start;
                    }
                    j = before;
                    continue;
                }
                start = j;
                while (start > bodyStart && isIdentifierChar(out.charAt(start - 1))) {
                    start--;
                }
                int before = start;
                while (before > bodyStart && Character.isWhitespace(out.charAt(before - 1))) {
                    before--;
                }
                if (before > bodyStart && out.charAt(before - 1) == '.') {
                    j = before - 1;
                    continue;
                }
                return start;
            }
        }

        private int openingBracket(int close, int bodyStart, List<int[]> strings) {
            int depth = 0;
            for (int k = close; k >= bodyStart; k--) {
                int[] string = stringEndingAt(k + 1, strings);
                if (string != null) {
                    k = string[0];
                    continue;
                }
                char c = out.charAt(k);
                if (c == ')' || c == ']' || c == '}') {
                    depth++;
                } else if ((c == '(' || c == '[' || c == '{') && --depth == 0) {
                    return k;
                }
            }
            return bodyStart;
        }

        private static int[] stringEndingAt(int end, List<int[]> strings) {
            for (int[] span : strings) {
                if (span[1] == end) {
                    return span;
                }
            }
            return null;
        }

        /** The index of the bracket closing the one at {@code open} in src, skipping string literals. */
        private int matchingBracket(int open, int tagStart) {
            int depth = 0;
            for (int k = open; k < src.length(); k++) {
                char c = src.charAt(k);
                if (c == '\'' || c == '"') {
                    k = stringEnd(k, tagStart) - 1;
                } else if (c == '(' || c == '[' || c == '{') {
                    depth++;
                } else if ((c == ')' || c == ']' || c == '}') && --depth == 0) {
                    return k;
                }
            }
            throw unclosed(open, "bracket", "]");
        }

        /** src[from, to) split at {@code separator}s outside brackets and string literals. */
        private List<String> topLevelParts(int from, int to, char separator) {
            var parts = new ArrayList<String>();
            int depth = 0;
            int partStart = from;
            for (int k = from; k < to; k++) {
                char c = src.charAt(k);
                if (c == '\'' || c == '"') {
                    k = stringEnd(k, from) - 1;
                } else if (c == '(' || c == '[' || c == '{') {
                    depth++;
                } else if (c == ')' || c == ']' || c == '}') {
                    depth--;
                } else if (c == separator && depth == 0) {
                    parts.add(src.substring(partStart, k));
                    partStart = k + 1;
                }
            }
            parts.add(src.substring(partStart, to));
            return parts;
        }

        private static boolean isIdentifierChar(char c) {
            return Character.isLetterOrDigit(c) || c == '_';
        }

        private void testAfter(int from) {
            int i = skipSpaces(from);
            String name = identifierAt(i);
            if ("not".equals(name) && i + 3 < src.length() && Character.isWhitespace(src.charAt(i + 3))) {
                name = identifierAt(skipSpaces(i + 3));
            }
            if (name != null) {
                tests.add(name);
            }
        }

        private String identifierAfter(int from) {
            return identifierAt(skipSpaces(from));
        }

        private String identifierAt(int i) {
            int j = i;
            while (j < src.length() && (Character.isLetterOrDigit(src.charAt(j)) || src.charAt(j) == '_')) {
                j++;
            }
            return j > i && !Character.isDigit(src.charAt(i)) ? src.substring(i, j) : null;
        }

        private boolean isWordBoundary(int i) {
            return i < 0 || !(Character.isLetterOrDigit(src.charAt(i)) || src.charAt(i) == '_');
        }

        private int skipSpaces(int i) {
            while (i < src.length() && Character.isWhitespace(src.charAt(i))) {
                i++;
            }
            return i;
        }

        /** The index after the string literal opening at {@code start}; a backslash escapes the next character. */
        private int stringEnd(int start, int tagStart) {
            char quote = src.charAt(start);
            for (int i = start + 1; i < src.length(); i++) {
                char c = src.charAt(i);
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    return i + 1;
                }
            }
            throw new IllegalArgumentException("line " + lineOf(start) + ": string literal opened with " + quote
                    + " is never closed (in the tag starting on line " + lineOf(tagStart) + ")");
        }

        private void rawBlock(int start, int contentStart) {
            Matcher end = RAW_END.matcher(src);
            if (!end.find(contentStart)) {
                throw unclosed(start, "raw block", "{% endraw %}");
            }
            out.append(src, start, contentStart);
            // Jinja's raw-begin rule has no trim_blocks suffix: only a "-%}" eats what follows.
            lineStarting = src.charAt(contentStart - 3) == '-' && endsWithNewlineAfterWhitespace(contentStart);
            String content = src.substring(contentStart, end.start());
            out.append(end.group(1).isEmpty() ? lstripBlocks(content) : content);
            out.append(src, end.start(), end.end());
            lineStarting = end.group(2).equals("-")
                    ? endsWithNewlineAfterWhitespace(end.end())
                    : end.group(2).isEmpty() && src.startsWith("\n", end.end());
            pos = end.end();
        }

        /** Whether the whitespace run from {@code i} (what a {@code -%}} or {@code -}}} eats) ends in a newline. */
        private boolean endsWithNewlineAfterWhitespace(int i) {
            int j = i;
            while (j < src.length() && PythonStringMethods.isPythonSpace(src.charAt(j))) {
                j++;
            }
            return j > i && src.charAt(j - 1) == '\n';
        }

        private IllegalArgumentException unclosed(int start, String what, String close) {
            return new IllegalArgumentException("line " + lineOf(start) + ": " + what + " opened with '"
                    + src.substring(start, Math.min(src.length(), start + 2)) + "' is never closed with '" + close
                    + "'");
        }

        private int lineOf(int index) {
            int line = 1;
            for (int i = 0; i < index; i++) {
                if (src.charAt(i) == '\n') {
                    line++;
                }
            }
            return line;
        }

        private static String newlines(String s) {
            return "\n".repeat((int) s.chars().filter(c -> c == '\n').count());
        }
    }
}
