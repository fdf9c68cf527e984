package dev.webrepl.testkit.clients;

/** Bytes in failure messages: printable ASCII kept, everything else as {@code \xNN}. */
final class Show {
    private Show() {
    }

    static String bytes(byte[] b) {
        return bytes(b, 0, b.length);
    }

    static String bytes(byte[] b, int from, int to) {
        StringBuilder s = new StringBuilder("\"");
        for (int i = from; i < to; i++) {
            int c = b[i] & 0xFF;
            if (c >= 0x20 && c < 0x7F && c != '\\' && c != '"') {
                s.append((char) c);
            } else {
                s.append(String.format("\\x%02x", c));
            }
        }
        return s.append('"').toString();
    }
}
