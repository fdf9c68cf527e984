package dev.webrepl.core.protocol;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
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
    /** Eight bytes of an array at once (any index): ASCII is checked a word at a time. */
    private static final VarHandle WORDS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long HIGH_BITS = 0x8080808080808080L;

    private final Consumer<byte[]> frames;
    private final int maxFrame;
    private final byte[] pending = new byte[3];
    private int pendingLength;
    /** The frame being filled during a write, its length, and the bytes of the write still to come. */
    private byte[] frame;
    private int fill;
    private int sizeHint;

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

    /**
     * Frames {@code bytes}; emits nothing if all of it is the start of an incomplete sequence. The array
     * may itself be emitted as a frame (when it is one whole valid frame), so the caller must not change
     * it afterwards ({@link dev.webrepl.core.engine.TerminalOutput}'s contract).
     */
    public void write(byte[] bytes) {
        byte[] input;
        if (pendingLength > 0) {
            input = new byte[pendingLength + bytes.length];
            System.arraycopy(pending, 0, input, 0, pendingLength);
            System.arraycopy(bytes, 0, input, pendingLength, bytes.length);
            pendingLength = 0;
        } else {
            input = bytes;
        }
        int n = input.length;
        sizeHint = n - incompleteTail(input, n);
        // input[run..i) is valid UTF-8 not yet copied: valid text is copied in blocks, not per character.
        int run = 0;
        int i = 0;
        while (i < n) {
            // ASCII, most terminal output, eight bytes at a time (issue #19: the output path's top frame).
            while (i + 8 <= n && ((long) WORDS.get(input, i) & HIGH_BITS) == 0) {
                i += 8;
            }
            if (i == n) {
                break;
            }
            int b = input[i] & 0xFF;
            if (b < 0x80) {
                i++;
                continue;
            }
            int need = b >= 0xC2 && b <= 0xDF ? 1 : b >= 0xE0 && b <= 0xEF ? 2 : b >= 0xF0 && b <= 0xF4 ? 3 : -1;
            if (need > 0 && i + need < n && validSequence(input, i, need)) {
                i += need + 1;
                continue;
            }
            appendValid(input, run, i);
            if (need > 0 && i + need >= n && prefixValid(input, i, n)) {
                // Possibly incomplete and valid so far: keep it for the next write.
                System.arraycopy(input, i, pending, 0, n - i);
                pendingLength = n - i;
                run = n;
                i = n;
                break;
            }
            // One U+FFFD per maximal valid prefix ("a sequence cut short"), as browsers decode it.
            appendReplacement();
            i += need > 0 ? validPrefixLength(input, i, Math.min(n, i + need + 1)) : 1;
            run = i;
        }
        if (run == 0 && i == n && n > 0 && frame == null && n <= maxFrame) {
            // All of it is one valid frame: it goes out as it is, uncopied (most terminal output).
            frames.accept(input);
            return;
        }
        appendValid(input, run, i);
        if (fill > 0) {
            emit();
        }
    }

    /** Copies valid text {@code in[from..to)} into frames, cutting only between characters. */
    private void appendValid(byte[] in, int from, int to) {
        while (from < to) {
            int room = maxFrame - fill;
            int cut = to;
            if (to - from > room) {
                // A frame holds whole characters: back off the continuation bytes at the limit.
                cut = from + room;
                while ((in[cut] & 0xC0) == 0x80) {
                    cut--;
                }
            }
            reserve(cut - from, to - from);
            System.arraycopy(in, from, frame, fill, cut - from);
            fill += cut - from;
            sizeHint -= cut - from;
            from = cut;
            if (from < to) {
                emit();
            }
        }
    }

    private void appendReplacement() {
        if (fill + REPLACEMENT.length > maxFrame) {
            emit();
        }
        reserve(REPLACEMENT.length, REPLACEMENT.length);
        System.arraycopy(REPLACEMENT, 0, frame, fill, REPLACEMENT.length);
        fill += REPLACEMENT.length;
    }

    /**
     * Makes room for {@code n} more bytes (of the {@code wanted} to come) in the frame being filled. A
     * new frame is sized for the rest of the write, so valid text fills it exactly and goes out uncopied.
     */
    private void reserve(int n, int wanted) {
        if (frame == null) {
            frame = new byte[Math.min(maxFrame, Math.max(wanted, sizeHint))];
        } else if (fill + n > frame.length) {
            frame = Arrays.copyOf(frame, Math.min(maxFrame, Math.max(fill + wanted, 2 * frame.length)));
        }
    }

    private void emit() {
        frames.accept(fill == frame.length ? frame : Arrays.copyOf(frame, fill));
        frame = null;
        fill = 0;
    }

    /** A size hint only: how many bytes at the end look like the start of an incomplete sequence. */
    private static int incompleteTail(byte[] in, int n) {
        for (int k = n - 1; k >= 0 && k >= n - 3; k--) {
            int b = in[k] & 0xFF;
            if (b < 0x80) {
                return 0;
            }
            if (b >= 0xC0) {
                int need = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : 1;
                return k + need >= n ? n - k : 0;
            }
        }
        return 0;
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
