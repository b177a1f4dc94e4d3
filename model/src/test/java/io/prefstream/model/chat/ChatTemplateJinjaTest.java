package io.prefstream.model.chat;

import static io.prefstream.model.chat.ChatMessage.assistant;
import static io.prefstream.model.chat.ChatMessage.system;
import static io.prefstream.model.chat.ChatMessage.user;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Jinja behaviour chat templates rely on, each in a small template, against what jinja2 3.1.6 gives in the
 * environment transformers builds (trim_blocks, lstrip_blocks, loopcontrols, its tojson, raise_exception,
 * strftime_now; see {@code src/test/resources/chat/render_with_jinja2.py}). Most of these are cases where plain
 * Jinjava answers differently.
 */
class ChatTemplateJinjaTest {

    @TempDir
    Path dir;

    private static final List<ChatMessage> ONE = List.of(user("u"));

    @Test
    void lstripBlocksOnlyStripsWhitespaceThatStartsTheLine() {
        // Jinjava alone renders "ab c": it strips the space after "a" too.
        assertEquals(
                "a b c\n  x\nend",
                render("a {% if true %}b{% endif %} c\n  {% if true %}\n  x\n  {% endif %}\nend\n", ONE));
    }

    @Test
    void commentsTrimLikeJinjas() {
        assertEquals("XY", render("{#- c -#}  X  {#- d #}\n{# e #}\nY", ONE));
    }

    @Test
    void oneTrailingNewlineIsDroppedAndLineEndingsBecomeNewlines() {
        assertEquals("Hi\n", render("Hi\n\n", ONE));
        assertEquals("a\nb\nc", render("a\r\nb\rc\r\n", ONE));
    }

    @Test
    void whitespaceControlNeedsTheDashNextToTheBrace() {
        assertEquals("1 -1 x", render("{{ 1 }} {{ -1 }} {{- ' x' }}", ONE));
    }

    @Test
    void pythonStringMethodsBehaveAsInPython() {
        var chat = List.of(user(" \u00a0hi there\t\n"));
        assertEquals(
                "hi there|hi there\t\n| \u00a0hi there|['a', 'b', '', 'c']|['a', 'b']|['k', 'v=w']|True|True"
                        + "|Hello World|Hello|ABab|bba|x--y|hi|ac",
                render(
                        "{{ messages[0].content.strip() }}"
                                + "|{{ messages[0].content.lstrip() }}|{{ messages[0].content.rstrip() }}|{{ 'a,b,,c'.split(',') }}"
                                + "|{{ ' a  b '.split() }}|{{ 'k=v=w'.split('=', 1) }}|{{ 'abc'.startswith('ab') }}"
                                + "|{{ 'abc'.endswith(('x', 'c')) }}|{{ 'hello world'.title() }}|{{ 'hELLO'.capitalize() }}"
                                + "|{{ 'Ab'.upper() }}{{ 'Ab'.lower() }}|{{ 'aaa'.replace('a', 'b', 2) }}|{{ '--'.join(['x', 'y']) }}"
                                + "|{{ 'xxhixx'.strip('x') }}|{{ 'abc'[0] }}{{ 'abc'[-1] }}",
                        chat));
        assertEquals("[hi there]", render("[{{ messages[0].content | trim }}]", chat));
    }

    @Test
    void namespaceBreakAndContinue() {
        var chat = List.of(system("s"), user("a"), assistant("b"), user("c"));
        assertEquals(
                "1 assistant",
                render(
                        "{% set ns = namespace(users=0, last='') %}{% for m in messages %}"
                                + "{% if m.role == 'system' %}{% continue %}{% endif %}"
                                + "{% if m.role == 'user' %}{% set ns.users = ns.users + 1 %}{% endif %}{% set ns.last = m.role %}"
                                + "{% if loop.index == 3 %}{% break %}{% endif %}{% endfor %}{{ ns.users }} {{ ns.last }}",
                        chat));
    }

    @Test
    void stepSlicesAndKeywordArgumentsWithOperators() {
        // Jinjava alone fails on both: it has no slice step, and binds last=messages|length before "- 1".
        var chat = List.of(system("s"), user("a"), assistant("b"));
        assertEquals(
                "assistant,user,system|2|2|b",
                render(
                        "{{ messages[::-1] | map(attribute='role') | join(',') }}"
                                + "|{% set ns = namespace(last=messages|length - 1) %}{{ ns.last }}|{{ messages[1:] | length }}"
                                + "|{{ messages[-1].content }}",
                        chat));
    }

    @Test
    void tojsonIsPythonsJsonDumps() {
        assertEquals(
                "{\"name\": \"caf\u00e9\", \"n\": 1.0, \"x\": [1e-05, null, true, \"say \\\"hi\\\"\\n\"]}\n"
                        + "{\n  \"a\": 2,\n  \"b\": [\n    1,\n    {}\n  ]\n}",
                render(
                        "{{ {'name': 'caf\u00e9', 'n': 1.0, 'x': [1e-05, none, true, 'say \"hi\"\\n']} | tojson }}\n"
                                + "{{ {'b': [1, {}], 'a': 2} | tojson(indent=2, sort_keys=true) }}",
                        ONE));
        assertEquals(
                "[{\"role\": \"user\", \"content\": \"caf\u00e9 \\\"q\\\"\"}]",
                render("{{ messages | tojson }}", List.of(user("caf\u00e9 \"q\""))));
    }

    @Test
    void strftimeNowFormatsTheClocksLocalTime() {
        var clock = Clock.fixed(Instant.parse("2025-03-09T21:05:03Z"), ZoneOffset.UTC);
        var template = inline("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%-d %B %Y, %I:%M %p') }}"
                        + "|{{ strftime_now is defined }}")
                .withClock(clock);
        assertEquals("09 Mar 2025|9 March 2025, 09:05 PM|True", template.render(ONE, true));
    }

    @Test
    void booleansPrintAsInPython() {
        assertEquals("True False True", render("{{ messages | length > 0 }} {{ false }} {{ 'x' is string }}", ONE));
    }

    @Test
    void messageTextIsNeverRenderedAsATemplate() {
        assertEquals(
                "{{ 7 * 7 }} {% if true %}x{% endif %}",
                render(
                        "{% for m in messages %}{{ m.content }}" + "{% endfor %}",
                        List.of(user("{{ 7 * 7 }} {% if true %}x{% endif %}"))));
    }

    @Test
    void generationBlocksRenderTheirBody() {
        assertEquals(
                "a|b|",
                render(
                        "{% for m in messages %}{%- generation %}{{ m.content }}{% endgeneration %}|" + "{% endfor %}",
                        List.of(user("a"), assistant("b"))));
    }

    @Test
    void raiseExceptionThrowsTheTemplatesMessage() {
        var template = inline("{% if messages[0].role != 'system' %}"
                + "{{ raise_exception('expected a system message first, found ' ~ messages[0].role) }}{% endif %}ok");
        assertEquals("ok", template.render(List.of(system("s")), true));
        var e = assertThrows(IllegalArgumentException.class, () -> template.render(ONE, true));
        assertEquals("expected a system message first, found user", e.getMessage());
    }

    @Test
    void aTemplateThatDoesNotParseNamesTheConfigAndTheError() {
        Path config = dir.resolve("tokenizer_config.json");
        var unclosedIf = assertThrows(IllegalArgumentException.class, () -> inline("{% if true %}unclosed"));
        assertEquals(
                "the chat template in " + config + " is not valid Jinja: line 1: Syntax error in "
                        + "'{% if true %}': Missing end tag: endif for tag defined as: {% if true %} (in '{% if true %}')",
                unclosedIf.getMessage());
        var unclosedExpression = assertThrows(IllegalArgumentException.class, () -> inline("a\n{{ x"));
        assertEquals(
                "the chat template in " + config + " is not valid Jinja: line 2: expression opened with '{{' "
                        + "is never closed with '}}'",
                unclosedExpression.getMessage());
        var unknownFilter = assertThrows(IllegalArgumentException.class, () -> inline("{{ 'a' | shout }}"));
        assertEquals(
                "the chat template in " + config + " is not valid Jinja: no filter named 'shout' "
                        + "(Jinjava lacks it)",
                unknownFilter.getMessage());
    }

    @Test
    void aTemplateThatFailsToRenderNamesTheConfigAndTheError() {
        var template = inline("{{ shout(messages[0].content) }}");
        var e = assertThrows(IllegalArgumentException.class, () -> template.render(ONE, true));
        assertEquals(
                "the chat template in " + dir.resolve("tokenizer_config.json") + " failed to render 1 "
                        + "message(s): line 1: Could not resolve function 'shout' (in 'shout(messages[0].content)')",
                e.getMessage());
    }

    private String render(String template, List<ChatMessage> messages) {
        return inline(template).render(messages, true);
    }

    /** A model folder whose tokenizer_config.json holds {@code template}. */
    private ChatTemplate inline(String template) {
        try {
            Files.writeString(
                    dir.resolve("tokenizer_config.json"),
                    new ObjectMapper().writeValueAsString(Map.of("chat_template", template)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ChatTemplate.fromModelDir(dir).orElseThrow();
    }
}
