package dev.webrepl.dupterm;

/** The last N bytes of a session's output, replayed to a terminal that attaches. */
final class Scrollback {
    private final byte[] ring;
    private int start;
    private int length;

    Scrollback(int capacity) {
        this.ring = new byte[capacity];
    }

    synchronized void add(byte[] bytes) {
        if (ring.length == 0) {
            return;
        }
        int from = Math.max(0, bytes.length - ring.length);
        for (int i = from; i < bytes.length; i++) {
            int end = (start + length) % ring.length;
            ring[end] = bytes[i];
            if (length < ring.length) {
                length++;
            } else {
                start = (start + 1) % ring.length;
            }
        }
    }

    /** The retained bytes, starting at a character boundary (leading UTF-8 continuation bytes dropped). */
    synchronized byte[] snapshot() {
        int skip = 0;
        while (skip < length && skip < 3 && (ring[(start + skip) % ring.length] & 0xC0) == 0x80) {
            skip++;
        }
        byte[] out = new byte[length - skip];
        for (int i = 0; i < out.length; i++) {
            out[i] = ring[(start + skip + i) % ring.length];
        }
        return out;
    }
}
