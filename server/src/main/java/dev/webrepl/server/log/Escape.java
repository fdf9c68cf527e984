package dev.webrepl.server.log;

/** Text a client chose (a close reason, a header) must not start a log line of its own or break JSON. */
final class Escape {
    private Escape() {
    }

    /** For the text format: control characters as {@code \n}, {@code \r}, {@code \t} or {@code \u001b}. */
    static void text(StringBuilder out, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != 0x7f) {
                out.append(c);
            } else {
                control(out, c);
            }
        }
    }

    /** A JSON string literal, quotes included (RFC 8259 §7). */
    static void json(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029) {
                control(out, c);
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }

    private static void control(StringBuilder out, char c) {
        switch (c) {
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            case '\t' -> out.append("\\t");
            default -> out.append(String.format("\\u%04x", (int) c));
        }
    }
}
