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
        if (n == 0) {
            return;
        }
        if (length + n > ring.length && ring.length < capacity) {
            grow(Math.min(capacity, Math.max(length + n, ring.length * 2)));
        }
        // Block copies (at most two: the ring wraps once): this runs for every output write.
        int end = (start + length) % ring.length;
        int first = Math.min(n, ring.length - end);
        System.arraycopy(bytes, from, ring, end, first);
        System.arraycopy(bytes, from + first, ring, 0, n - first);
        int total = length + n;
        if (total > ring.length) {
            start = (start + total - ring.length) % ring.length;
            length = ring.length;
        } else {
            length = total;
        }
    }

    private void grow(int size) {
        byte[] bigger = new byte[size];
        copyOut(start, bigger, length);
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
        copyOut((start + skip) % ring.length, out, out.length);
        return out;
    }

    /** Copies {@code n} ring bytes from ring index {@code from} (wrapping) to the start of {@code to}. */
    private void copyOut(int from, byte[] to, int n) {
        if (n == 0) {
            return;
        }
        int first = Math.min(n, ring.length - from);
        System.arraycopy(ring, from, to, 0, first);
        System.arraycopy(ring, 0, to, first, n - first);
    }
}
