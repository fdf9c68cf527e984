package dev.webrepl.dupterm;

import java.util.ArrayDeque;

/**
 * One terminal's output backlog: text-frame payloads written by the session at once, taken by the
 * transport as fast as that client reads. Counts its bytes so the session can pause producers and
 * deactivate slow consumers.
 */
final class OutputBuffer {
    private final ArrayDeque<byte[]> frames = new ArrayDeque<>();
    private long bytes;

    synchronized void add(byte[] frame) {
        frames.add(frame);
        bytes += frame.length;
    }

    synchronized byte[] poll() {
        byte[] f = frames.poll();
        if (f != null) {
            bytes -= f.length;
        }
        return f;
    }

    synchronized long bytes() {
        return bytes;
    }

    synchronized void clear() {
        frames.clear();
        bytes = 0;
    }
}
