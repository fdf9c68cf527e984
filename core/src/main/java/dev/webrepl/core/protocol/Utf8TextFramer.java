package dev.webrepl.core.protocol;

import java.io.ByteArrayOutputStream;
import java.util.function.Consumer;

/**
 * Cuts terminal output into text-frame payloads that are valid UTF-8 and at most 65535 bytes
 * (DESIGN "Output"; spec §1.3 and §10 point 3).
 *
 * <p>An incomplete sequence at the end of a write waits for its continuation bytes. Bytes that can
 * never be valid UTF-8 (a stray continuation byte, 0xC0, 0xFF, a sequence cut short) become U+FFFD:
 * browsers fail the whole connection on an invalid text frame (webrepl#77), which loses far more.
 */
public final class Utf8TextFramer {
    /** Longest payload with a 16-bit length, the most webrepl_cli can parse (spec §1.4 point 9). */
    public static final int MAX_FRAME = 65535;
    private static final byte[] REPLACEMENT = {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD};

    private final Consumer<byte[]> frames;
    private final int maxFrame;
    private final byte[] pending = new byte[3];
    private int pendingLength;

    public Utf8TextFramer(Consumer<byte[]> frames) {
        this(frames, MAX_FRAME);
    }

    Utf8TextFramer(Consumer<byte[]> frames, int maxFrame) {
        if (maxFrame < 4) {
            throw new IllegalArgumentException("a frame must hold at least one code point");
        }
        this.frames = frames;
        this.maxFrame = maxFrame;
    }

    /** Frames {@code bytes}; emits nothing if all of it is the start of an incomplete sequence. */
    public void write(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length + pendingLength);
        byte[] input;
        if (pendingLength > 0) {
            input = new byte[pendingLength + bytes.length];
            System.arraycopy(pending, 0, input, 0, pendingLength);
            System.arraycopy(bytes, 0, input, pendingLength, bytes.length);
            pendingLength = 0;
        } else {
            input = bytes;
        }
        int i = 0;
        int n = input.length;
        while (i < n) {
            int b = input[i] & 0xFF;
            int need = b < 0x80 ? 0 : b >= 0xC2 && b <= 0xDF ? 1 : b >= 0xE0 && b <= 0xEF ? 2
                    : b >= 0xF0 && b <= 0xF4 ? 3 : -1;
            int len;
            if (need < 0) {
                len = -1;
            } else if (i + need >= n) {
                // Possibly incomplete: valid so far? then keep it for the next write.
                if (prefixValid(input, i, n)) {
                    System.arraycopy(input, i, pending, 0, n - i);
                    pendingLength = n - i;
                    break;
                }
                len = -1;
            } else {
                len = validSequence(input, i, need) ? need + 1 : -1;
            }
            int size = len < 0 ? REPLACEMENT.length : len;
            if (out.size() + size > maxFrame) {
                frames.accept(out.toByteArray());
                out.reset();
            }
            if (len < 0) {
                // One U+FFFD per maximal valid prefix ("a sequence cut short"), as browsers decode it.
                out.write(REPLACEMENT, 0, REPLACEMENT.length);
                i += need > 0 ? validPrefixLength(input, i, Math.min(n, i + need + 1)) : 1;
            } else {
                out.write(input, i, len);
                i += len;
            }
        }
        if (out.size() > 0) {
            frames.accept(out.toByteArray());
        }
    }

    /** Bytes held back because they may be the start of a multi-byte character. */
    public int pendingBytes() {
        return pendingLength;
    }

    private static boolean validSequence(byte[] in, int i, int need) {
        return prefixValid(in, i, i + need + 1);
    }

    /** The length of the longest valid prefix of a sequence at {@code in[i]} within {@code end}, at least 1. */
    private static int validPrefixLength(byte[] in, int i, int end) {
        int m = 1;
        while (i + m < end && prefixValid(in, i, i + m + 1)) {
            m++;
        }
        return m;
    }

    /** Whether {@code in[i..end)} is a valid UTF-8 sequence or a valid prefix of one. */
    private static boolean prefixValid(byte[] in, int i, int end) {
        int b0 = in[i] & 0xFF;
        for (int k = i + 1; k < end; k++) {
            int b = in[k] & 0xFF;
            int lo = 0x80;
            int hi = 0xBF;
            if (k == i + 1) {
                // The second byte's range excludes overlong forms and surrogates (RFC 3629 §4).
                if (b0 == 0xE0) {
                    lo = 0xA0;
                } else if (b0 == 0xED) {
                    hi = 0x9F;
                } else if (b0 == 0xF0) {
                    lo = 0x90;
                } else if (b0 == 0xF4) {
                    hi = 0x8F;
                }
            }
            if (b < lo || b > hi) {
                return false;
            }
        }
        return true;
    }
}
