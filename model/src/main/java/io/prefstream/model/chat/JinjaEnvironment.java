package io.prefstream.model.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.InterpreterFactory;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.objects.SafeString;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ELException;

/**
 * A Jinjava engine set up like the Jinja environment transformers renders chat templates in
 * ({@code transformers.utils.chat_template_utils._compile_jinja_template}):
 * {@code ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[AssistantTracker,
 * loopcontrols])} with the {@code tojson} filter replaced and the {@code raise_exception} and {@code strftime_now}
 * globals added.
 *
 * <p>What Jinjava needs on top, and how it gets it:
 * <ul>
 *   <li>{@code lstrip_blocks}, {@code keep_trailing_newline=False}, comments, {@code }}} inside expressions,
 *       keyword arguments holding operators and slices with a step: rewritten in the source by
 *       {@link JinjaSource}, which follows Jinja's lexer; Jinjava's own {@code lstrip_blocks} is off (it also strips
 *       spaces after other text on the line).</li>
 *   <li>The rest of Jinja's syntax through {@link LegacyOverrides}: {@code {{- -}}} trims like {@code {%- -%}},
 *       {@code {{ -1 }}} is not whitespace control, filters bind tighter than {@code +}, backslashes escape only
 *       inside string literals, {@code for} over a dict walks its keys, dict literals evaluate their keys, lists
 *       and dicts print as Python writes them, and {@code none} items survive a {@code for}.</li>
 *   <li>Python {@code str} methods ({@code .strip()}, {@code .startswith()}, {@code .split()}...) and
 *       {@code s[i]}: {@link PythonStringMethods}, an EL resolver ahead of Jinjava's own.</li>
 *   <li>{@code tojson} as transformers defines it ({@code json.dumps}, {@code ensure_ascii=False}, with
 *       {@code indent}, {@code separators}, {@code sort_keys}): {@link PythonJson}.</li>
 *   <li>{@code trim} with Python's whitespace and an optional {@code chars} argument (Jinjava's trims Java
 *       whitespace); Jinja's {@code items}, {@code max} and {@code min} filters, which Jinjava lacks; and the
 *       {@code iterable} and {@code sequence} tests as Jinja has them (true for strings).</li>
 *   <li>{@code raise_exception(message)}, {@code strftime_now(format)} ({@link Strftime}), and the
 *       {@code {% generation %}} block of transformers' AssistantTracker, which renders its body.</li>
 *   <li>Booleans print as {@code True} and {@code False}.</li>
 *   <li>No nested interpretation: Jinjava would otherwise render {@code {{ }}} found inside a message's text.</li>
 *   <li>A filter or test Jinjava does not have is an error ({@link #problems}); Jinjava would print nothing.</li>
 * </ul>
 * {@code break}, {@code continue}, {@code namespace()} with {@code {% set ns.x = ... %}}, slices, negative
 * indices, {@code is defined}, {@code in} and {@code |length} are Jinjava's own.
 *
 * <p>Known differences that remain: Jinjava has one null for Jinja's undefined and Python's None, so None prints
 * as nothing (Jinja: {@code None}) and an undefined value's attribute or a missing list item is null instead of an
 * error; {@code True}, {@code False} and {@code None} inside a printed list or dict print as {@code true},
 * {@code false}, {@code null}; {@code +%}} (trim_blocks off for one tag) is not supported; {@code 'a' + 1} gives
 * {@code a1} where Python raises and {@code 'a' * 2} fails where Python repeats; some of Jinjava's own filters
 * ignore keyword arguments ({@code sort(attribute='x')}) or differ in corners ({@code batch} pads with none,
 * {@code round} rounds halves up where Python rounds them to even).
 */
final class JinjaEnvironment {

    private static final Jinjava JINJAVA = create();

    /**
     * The global functions as variables too, so that {@code strftime_now is defined} holds, as in Jinja (Llama 3.2
     * falls back to a fixed date otherwise); calls still go to the functions.
     */
    private static final Map<String, Object> GLOBALS = Map.of(
            "raise_exception", new GlobalFunction("raise_exception"),
            "strftime_now", new GlobalFunction("strftime_now"));

    /** A global function seen as a variable; prints as Python prints a function. */
    private record GlobalFunction(String name) {
        @Override
        public String toString() {
            return "<function " + name + ">";
        }
    }

    /** The clock {@code strftime_now} reads and the first {@code raise_exception} message of the render under way. */
    private static final ThreadLocal<RenderScope> SCOPE = new ThreadLocal<>();

    private JinjaEnvironment() {}

    /**
     * One render's outcome: the output, Jinjava's fatal errors (described with their line), and the message of the
     * first {@code raise_exception} call.
     */
    record Rendering(String output, List<String> failures, Optional<String> raised) {}

    /**
     * What stops {@code source} from rendering as Jinja would, before any input: Jinjava's parse errors, and
     * filters or tests it does not have. Empty when it parses.
     */
    static List<String> problems(JinjaSource source) {
        var problems = new ArrayList<String>();
        var interpreter = JINJAVA.newInterpreter();
        JinjavaInterpreter.pushCurrent(interpreter);
        try {
            interpreter.parse(source.jinjava());
            interpreter.getErrors().forEach(e -> problems.add(describe(e)));
        } finally {
            JinjavaInterpreter.popCurrent();
        }
        var context = JINJAVA.getGlobalContext();
        source.filters().stream()
                .filter(f -> context.getFilter(f) == null)
                .forEach(f -> problems.add("no filter named '" + f + "' (Jinjava lacks it)"));
        source.tests().stream()
                .filter(t -> context.getExpTest(t) == null)
                .forEach(t -> problems.add("no test named '" + t + "' (Jinjava lacks it)"));
        return problems;
    }

    /** Renders {@code source} with {@code bindings} as its variables and {@code strftime_now} reading {@code clock}. */
    static Rendering render(JinjaSource source, Map<String, Object> bindings, Clock clock) {
        var scope = new RenderScope(clock);
        var variables = new HashMap<String, Object>(GLOBALS);
        variables.putAll(bindings);
        SCOPE.set(scope);
        try {
            var result = JINJAVA.renderForResult(source.jinjava(), variables);
            var failures = result.getErrors().stream()
                    .filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL)
                    .map(JinjaEnvironment::describe)
                    .distinct()
                    .toList();
            return new Rendering(result.getOutput(), failures, Optional.ofNullable(scope.raised));
        } finally {
            SCOPE.remove();
        }
    }

    private static String describe(TemplateError e) {
        String where = e.getFieldName() == null || e.getFieldName().isBlank() ? "" : " (in '" + e.getFieldName() + "')";
        return "line " + e.getLineno() + ": " + e.getMessage() + where;
    }

    private static Jinjava create() {
        var legacy = LegacyOverrides.newBuilder()
                .withUseTrimmingForNotesAndExpressions(true)
                .withParseWhitespaceControlStrictly(true)
                .withUseNaturalOperatorPrecedence(true)
                .withHandleBackslashInQuotesOnly(true)
                .withIterateOverMapKeys(true)
                .withEvaluateMapKeys(true)
                .withUsePyishObjectMapper(true)
                .withKeepNullableLoopValues(true)
                .build();
        var resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        var config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(false) // JinjaSource does it
                .withKeepTrailingNewline(true) // JinjaSource drops it from the source, as Jinja does
                .withInterperterFactory(new PythonPrintingInterpreters())
                .withNestedInterpretationEnabled(false)
                .withLegacyOverrides(legacy)
                .withElResolver(resolver)
                .build();
        var jinjava = new Jinjava(config);
        jinjava.registerFilter(new TojsonFilter());
        jinjava.registerFilter(new TrimFilter());
        jinjava.registerFilter(new ItemsFilter());
        jinjava.registerFilter(new SliceFilter());
        jinjava.registerFilter(new ExtremeFilter("max", 1));
        jinjava.registerFilter(new ExtremeFilter("min", -1));
        jinjava.registerExpTest(new PythonTypeTest("iterable"));
        jinjava.registerExpTest(new PythonTypeTest("sequence"));
        jinjava.registerTag(new GenerationTag());
        jinjava.registerFunction(function("raise_exception", "raiseException", Object.class));
        jinjava.registerFunction(function("strftime_now", "strftimeNow", String.class));
        return jinjava;
    }

    private static ELFunctionDefinition function(String name, String method, Class<?> parameter) {
        try {
            var m = JinjaEnvironment.class.getDeclaredMethod(method, parameter);
            m.setAccessible(true); // this class is package-private; Jinjava calls the method reflectively
            return new ELFunctionDefinition("", name, m);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("template global " + name + " has no method " + method, e);
        }
    }

    /**
     * transformers' {@code raise_exception}: the template rejects its input. Jinjava turns exceptions into
     * template errors and carries on rendering, so the first message is kept for {@link #render} to report.
     */
    static Object raiseException(Object message) {
        String text = String.valueOf(message);
        var scope = SCOPE.get();
        if (scope != null && scope.raised == null) {
            scope.raised = text;
        }
        throw new ELException(text);
    }

    /** transformers' {@code strftime_now}: {@code datetime.now().strftime(format)}. */
    static String strftimeNow(String format) {
        var scope = SCOPE.get();
        var clock = scope != null ? scope.clock : Clock.systemDefaultZone();
        return Strftime.format(clock, format);
    }

    private static final class RenderScope {
        private final Clock clock;
        private String raised;

        RenderScope(Clock clock) {
            this.clock = clock;
        }
    }

    /**
     * transformers' {@code tojson}: {@code json.dumps(x, ensure_ascii=False, indent=None, separators=None,
     * sort_keys=False)}, arguments by position in that order or by name.
     */
    private static final class TojsonFilter implements Filter {

        private static final List<String> PARAMETERS = List.of("ensure_ascii", "indent", "separators", "sort_keys");

        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            if (args.length > PARAMETERS.size()) {
                throw new IllegalArgumentException("tojson takes at most " + PARAMETERS.size()
                        + " arguments (ensure_ascii, indent, separators, sort_keys); found " + args.length);
            }
            Object[] values = new Object[PARAMETERS.size()];
            System.arraycopy(args, 0, values, 0, args.length);
            for (var e : kwargs.entrySet()) {
                int i = PARAMETERS.indexOf(e.getKey());
                if (i < 0) {
                    throw new IllegalArgumentException("tojson got an unexpected keyword argument '" + e.getKey()
                            + "'; expected one of " + PARAMETERS);
                }
                values[i] = e.getValue();
            }
            boolean ensureAscii = Boolean.TRUE.equals(values[0]);
            String indent;
            if (values[1] == null) {
                indent = null;
            } else if (values[1] instanceof Number n) {
                indent = " ".repeat(Math.max(0, n.intValue())); // Python: ' ' * indent
            } else if (values[1] instanceof String s) {
                indent = s;
            } else {
                throw new IllegalArgumentException("tojson indent must be an int or a str; found " + values[1]);
            }
            List<String> separators = null;
            if (values[2] instanceof List<?> list) {
                separators = list.stream().map(String::valueOf).toList();
            } else if (values[2] != null) {
                throw new IllegalArgumentException("tojson separators must be a pair of strings; found " + values[2]);
            }
            boolean sortKeys = Boolean.TRUE.equals(values[3]);
            Object value = var instanceof SafeString s ? s.getValue() : var;
            return new PythonJson(ensureAscii, indent, separators, sortKeys).write(value);
        }
    }

    /** Jinja's {@code trim(value, chars=None)}: Python's {@code str.strip(chars)}. */
    private static final class TrimFilter implements Filter {

        @Override
        public String getName() {
            return "trim";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            String chars = args.length > 0 ? args[0] : null;
            return PythonStringMethods.strip(var == null ? "" : String.valueOf(var), chars, true, true);
        }
    }

    /** Jinja's {@code items}: a mapping's (key, value) pairs, which {@code for k, v in ...} unpacks. */
    private static final class ItemsFilter implements Filter {

        @Override
        public String getName() {
            return "items";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            if (var == null) {
                return List.of();
            }
            if (!(var instanceof Map<?, ?> map)) {
                throw new IllegalArgumentException(
                        "items expects a mapping; found " + var.getClass().getSimpleName());
            }
            return new ArrayList<>(map.entrySet());
        }
    }

    /**
     * {@code value[start:stop:step]} with Python's semantics, which {@link JinjaSource} writes as
     * {@code value|py_slice(start, stop, step)} since Jinjava's parser has no step: {@code xs[::-1]} reverses.
     */
    private static final class SliceFilter implements Filter {

        @Override
        public String getName() {
            return "py_slice";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            throw new IllegalStateException("py_slice takes its arguments as objects");
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Integer step = index(args, 2);
            int by = step == null ? 1 : step;
            if (by == 0) {
                throw new IllegalArgumentException("slice step cannot be zero");
            }
            if (var instanceof String s) {
                var out = new StringBuilder();
                for (int i : indices(s.length(), index(args, 0), index(args, 1), by)) {
                    out.append(s.charAt(i));
                }
                return out.toString();
            }
            if (!(var instanceof Iterable<?> items)) {
                throw new IllegalArgumentException("cannot slice "
                        + (var == null ? "none" : var.getClass().getSimpleName()) + "; expected a list or a string");
            }
            var list = new ArrayList<Object>();
            items.forEach(list::add);
            var out = new ArrayList<Object>();
            for (int i : indices(list.size(), index(args, 0), index(args, 1), by)) {
                out.add(list.get(i));
            }
            return out;
        }

        private static Integer index(Object[] args, int i) {
            if (i >= args.length || args[i] == null) {
                return null;
            }
            if (!(args[i] instanceof Number n)) {
                throw new IllegalArgumentException("slice indices must be integers or none; found " + args[i]);
            }
            return n.intValue();
        }

        /** The indices {@code range(n)[start:stop:step]} selects, by Python's {@code slice.indices}. */
        private static List<Integer> indices(int n, Integer start, Integer stop, int step) {
            int lower = step > 0 ? 0 : -1;
            int upper = step > 0 ? n : n - 1;
            int from = start == null ? (step > 0 ? lower : upper) : clamp(start, n, lower, upper);
            int to = stop == null ? (step > 0 ? upper : lower) : clamp(stop, n, lower, upper);
            var indices = new ArrayList<Integer>();
            for (int i = from; step > 0 ? i < to : i > to; i += step) {
                indices.add(i);
            }
            return indices;
        }

        private static int clamp(int i, int n, int lower, int upper) {
            int j = i < 0 ? i + n : i;
            return Math.max(lower, Math.min(upper, j));
        }
    }

    /**
     * Jinja's {@code max} and {@code min}: {@code value|max(case_sensitive=false, attribute=none)}, strings compared
     * case-insensitively by default; none for an empty sequence.
     */
    private static final class ExtremeFilter implements Filter {

        private final String name;
        private final int sign;

        ExtremeFilter(String name, int sign) {
            this.name = name;
            this.sign = sign;
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object caseSensitive = kwargs.getOrDefault("case_sensitive", args.length > 0 ? args[0] : false);
            Object attribute = kwargs.getOrDefault("attribute", args.length > 1 ? args[1] : null);
            if (!(var instanceof Iterable<?> items)) {
                throw new IllegalArgumentException(name + " expects a sequence; found " + var);
            }
            Object best = null;
            Object bestKey = null;
            for (Object item : items) {
                Object key = attribute != null && item instanceof Map<?, ?> m ? m.get(String.valueOf(attribute)) : item;
                if (key instanceof String s && !Boolean.TRUE.equals(caseSensitive)) {
                    key = s.toLowerCase(Locale.ROOT);
                }
                if (bestKey == null || sign * compare(key, bestKey) > 0) {
                    best = item;
                    bestKey = key;
                }
            }
            return best;
        }

        private int compare(Object a, Object b) {
            if (a instanceof Number x && b instanceof Number y) {
                return Double.compare(x.doubleValue(), y.doubleValue());
            }
            if (a instanceof String x && b instanceof String y) {
                return x.compareTo(y);
            }
            throw new IllegalArgumentException(name + ": cannot compare " + a + " with " + b);
        }
    }

    /**
     * Jinja's {@code iterable} ({@code iter(value)} works) and {@code sequence} (has {@code len} and
     * {@code []}) tests, under which strings and dicts qualify; Jinjava's say no to strings.
     */
    private static final class PythonTypeTest implements ExpTest {

        private final String name;

        PythonTypeTest(String name) {
            this.name = name;
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
            return var instanceof CharSequence
                    || var instanceof Iterable<?>
                    || var instanceof Map<?, ?>
                    || (var != null && var.getClass().isArray());
        }
    }

    /** Interpreters that print booleans as Python does ({@code True}, {@code False}). */
    private static final class PythonPrintingInterpreters implements InterpreterFactory {

        @Override
        public JinjavaInterpreter newInstance(JinjavaInterpreter orig) {
            return new PythonPrintingInterpreter(orig);
        }

        @Override
        public JinjavaInterpreter newInstance(Jinjava application, Context context, JinjavaConfig config) {
            return new PythonPrintingInterpreter(application, context, config);
        }
    }

    private static final class PythonPrintingInterpreter extends JinjavaInterpreter {

        PythonPrintingInterpreter(JinjavaInterpreter orig) {
            super(orig);
        }

        PythonPrintingInterpreter(Jinjava application, Context context, JinjavaConfig config) {
            super(application, context, config);
        }

        @Override
        public String getAsString(Object object) {
            if (object instanceof Boolean b) {
                return b ? "True" : "False";
            }
            return super.getAsString(object);
        }
    }

    /**
     * The {@code {% generation %}...{% endgeneration %}} block of transformers' AssistantTracker, which marks
     * assistant text for {@code return_assistant_tokens_mask} and renders its body unchanged.
     */
    private static final class GenerationTag implements Tag {

        @Override
        public String getName() {
            return "generation";
        }

        @Override
        public String getEndTagName() {
            return "endgeneration";
        }

        @Override
        public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
            try (var scope = interpreter.enterScope()) {
                var out = new StringBuilder();
                for (Node child : tagNode.getChildren()) {
                    out.append(child.render(interpreter).getValue());
                }
                return out.toString();
            }
        }
    }
}
