package dev.webrepl.dupterm;

/**
 * The last N bytes of a session's output, replayed to a terminal that attaches. Its buffer grows
 * with the output up to N, so an idle session costs next to nothing.
 */
final class Scrollback {
    private static final byte[] EMPTY = new byte[0];
    private final int capacity;
    private byte[] ring = EMPTY;
    private int start;
    private int length;

    Scrollback(int capacity) {
        this.capacity = capacity;
    }

    synchronized void add(byte[] bytes) {
        if (capacity == 0) {
            return;
        }
        int from = Math.max(0, bytes.length - capacity);
        int n = bytes.length - from;
        if (length + n > ring.length && ring.length < capacity) {
            grow(Math.min(capacity, Math.max(length + n, ring.length * 2)));
        }
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

    private void grow(int size) {
        byte[] bigger = new byte[size];
        for (int i = 0; i < length; i++) {
            bigger[i] = ring[(start + i) % ring.length];
        }
        ring = bigger;
        start = 0;
    }

    /** The retained bytes, starting at a character boundary (leading UTF-8 continuation bytes dropped). */
    synchronized byte[] snapshot() {
        if (length == 0) {
            return EMPTY;
        }
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
