package io.prefstream.launcher.experiment;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A report's content as a few kinds of block, each rendered both as Markdown and as HTML, so that
 * {@code report.md} and {@code index.html} say the same thing. Text may quote code between backticks.
 */
final class ReportDocument {

    /** One block of the report. */
    sealed interface Block permits Heading, Paragraph, Code, Table, Items, Image {
        void markdown(StringBuilder sb);

        void html(StringBuilder sb);
    }

    record Heading(int level, String text) implements Block {
        public void markdown(StringBuilder sb) {
            sb.append("#".repeat(level)).append(' ').append(text).append("\n\n");
        }

        public void html(StringBuilder sb) {
            sb.append("<h")
                    .append(level)
                    .append('>')
                    .append(inline(text))
                    .append("</h")
                    .append(level)
                    .append(">\n");
        }
    }

    record Paragraph(String text) implements Block {
        public void markdown(StringBuilder sb) {
            sb.append(text).append("\n\n");
        }

        public void html(StringBuilder sb) {
            sb.append("<p>").append(inline(text)).append("</p>\n");
        }
    }

    record Code(String text) implements Block {
        public void markdown(StringBuilder sb) {
            sb.append("```\n").append(text).append("\n```\n\n");
        }

        public void html(StringBuilder sb) {
            sb.append("<pre><code>").append(escape(text)).append("</code></pre>\n");
        }
    }

    /** A table; {@code notes} are footnotes printed under it. */
    record Table(List<String> header, List<List<String>> rows, List<String> notes) implements Block {
        public void markdown(StringBuilder sb) {
            row(sb, header);
            sb.append('|').append(" --- |".repeat(header.size())).append('\n');
            rows.forEach(r -> row(sb, r));
            sb.append('\n');
            notes.forEach(n -> sb.append(n).append("\n\n"));
        }

        private static void row(StringBuilder sb, List<String> cells) {
            sb.append('|');
            cells.forEach(c -> sb.append(' ').append(c.replace("|", "\\|")).append(" |"));
            sb.append('\n');
        }

        public void html(StringBuilder sb) {
            sb.append("<table>\n<tr>");
            header.forEach(x -> sb.append("<th>").append(inline(x)).append("</th>"));
            sb.append("</tr>\n");
            for (List<String> r : rows) {
                sb.append("<tr>");
                r.forEach(x -> sb.append("<td>").append(inline(x)).append("</td>"));
                sb.append("</tr>\n");
            }
            sb.append("</table>\n");
            notes.forEach(n -> sb.append("<p class=\"note\">").append(inline(n)).append("</p>\n"));
        }
    }

    record Items(List<String> items) implements Block {
        public void markdown(StringBuilder sb) {
            items.forEach(x -> sb.append("- ").append(x).append('\n'));
            sb.append('\n');
        }

        public void html(StringBuilder sb) {
            sb.append("<ul>\n");
            items.forEach(x -> sb.append("<li>").append(inline(x)).append("</li>\n"));
            sb.append("</ul>\n");
        }
    }

    /** An image in the report directory, referenced relatively. */
    record Image(String file, String title) implements Block {
        public void markdown(StringBuilder sb) {
            sb.append("![").append(title).append("](").append(file).append(")\n\n");
        }

        public void html(StringBuilder sb) {
            sb.append("<figure><img src=\"")
                    .append(escape(file))
                    .append("\" alt=\"")
                    .append(escape(title))
                    .append("\"><figcaption class=\"note\">")
                    .append(escape(title))
                    .append("</figcaption></figure>\n");
        }
    }

    private static final Pattern CODE = Pattern.compile("`([^`]*)`");
    private static final String CSS = "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;"
            + "padding:0 1em;color:#222;line-height:1.45}h1{font-size:1.6em}h2{margin-top:1.6em;"
            + "border-bottom:1px solid #ddd}table{border-collapse:collapse;margin:.8em 0;font-size:.92em;display:block;overflow-x:auto}"
            + "td,th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:right;white-space:nowrap}"
            + "th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}"
            + "pre{background:#f6f6f6;padding:.8em;overflow-x:auto}code{background:#f6f6f6;padding:0 .2em}"
            + "img{max-width:100%;border:1px solid #eee}figure{margin:1em 0}.note{color:#555;font-size:.9em}";

    private final String title;
    private final List<Block> blocks = new ArrayList<>();

    ReportDocument(String title) {
        this.title = title;
    }

    ReportDocument add(Block block) {
        blocks.add(block);
        return this;
    }

    String markdown() {
        var sb = new StringBuilder();
        blocks.forEach(b -> b.markdown(sb));
        return sb.toString();
    }

    /** A self-contained page: inline CSS, images referenced relatively. */
    String html() {
        var sb = new StringBuilder("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>")
                .append(escape(title))
                .append("</title>\n<style>")
                .append(CSS)
                .append("</style></head><body>\n");
        blocks.forEach(b -> b.html(sb));
        return sb.append("</body></html>\n").toString();
    }

    /** Escapes text for HTML and turns {@code `code`} into {@code <code>}. */
    static String inline(String text) {
        Matcher m = CODE.matcher(text);
        var sb = new StringBuilder();
        int at = 0;
        while (m.find()) {
            sb.append(escape(text.substring(at, m.start())))
                    .append("<code>")
                    .append(escape(m.group(1)))
                    .append("</code>");
            at = m.end();
        }
        return sb.append(escape(text.substring(at))).toString();
    }

    static String escape(String s) {
        return s.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;")
                .replace("'", "&#39;");
    }
}
