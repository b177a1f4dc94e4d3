package io.prefstream.launcher;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;

/**
 * The last line of a failed {@code --json} run: {@code {"completed":false,"error":"..."}}, so a
 * script reading the last line always gets one JSON object.
 */
final class JsonError {

    private JsonError() {}

    static void print(PrintWriter out, String error) {
        var node = new ObjectMapper().createObjectNode();
        node.put("completed", false);
        node.put("error", error);
        out.println();
        out.println(node);
        out.flush();
    }
}
