package dev.webrepl.core.terminal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The line being edited: code points and a cursor, at most {@code capacity} code points. Every change
 * is one {@link #replace} that writes a minimal redraw to the screen: move to the first changed
 * column, re-print from there to the end, {@code ESC [ K} only if the line got shorter, then move back
 * to the cursor. Moves are {@code \b} for one column left, {@code ESC [ n D} for more, {@code ESC [ n C}
 * right. It assumes the line fits on one terminal row (the terminal's width is unknown here).
 */
final class EditBuffer {
    private static final String CLEAR_TO_END = "\u001b[K";

    private final int capacity;
    private int[] text = new int[32];
    private int length;
    private int cursor;

    EditBuffer(int capacity) {
        this.capacity = capacity;
    }

    int length() {
        return length;
    }

    int cursor() {
        return cursor;
    }

    int codePointAt(int index) {
        return text[index];
    }

    int[] codePoints() {
        return Arrays.copyOf(text, length);
    }

    @Override
    public String toString() {
        return new String(text, 0, length);
    }

    /** Empties the line without drawing (the screen has moved on to a new line). */
    void clear() {
        length = 0;
        cursor = 0;
    }

    /** Moves the cursor to {@code position} (clamped to the line). */
    void moveTo(int position, ByteArrayOutputStream screen) {
        int target = Math.max(0, Math.min(length, position));
        move(cursor, target, screen);
        cursor = target;
    }

    /**
     * Replaces {@code [from, to)} with {@code with} and puts the cursor after it; false (and nothing
     * changed) if the line would grow past its capacity. Edits in place: typing at the end of a long line
     * costs one code point, not a copy of the line (a client typing a flood must not cost the server
     * the square of its line length; BENCHMARKS.md "Input flood").
     */
    boolean replace(int from, int to, int[] with, ByteArrayOutputStream screen) {
        int newLength = length - (to - from) + with.length;
        if (newLength > capacity && with.length > to - from) {
            return false;
        }
        int same = 0;
        while (same < with.length && from + same < to && text[from + same] == with[same]) {
            same++;
        }
        int redrawFrom = from + same;
        int oldTailWidth = width(text, redrawFrom, length);
        move(cursor, redrawFrom, screen);
        if (newLength > text.length) {
            // Doubling, so a line typed key by key is copied O(log n) times in all.
            text = Arrays.copyOf(text, Math.max(newLength, Math.min(capacity, 2 * text.length)));
        }
        System.arraycopy(text, to, text, from + with.length, length - to);
        System.arraycopy(with, 0, text, from, with.length);
        length = newLength;
        cursor = from + with.length;
        write(redrawFrom, length, screen);
        if (width(text, redrawFrom, length) < oldTailWidth) {
            screen.writeBytes(CLEAR_TO_END.getBytes(StandardCharsets.US_ASCII));
        }
        left(width(text, cursor, length), screen);
        return true;
    }

    /** Draws the whole line from the start column and leaves the cursor where it is in the buffer. */
    void draw(ByteArrayOutputStream screen) {
        write(0, length, screen);
        left(width(text, cursor, length), screen);
    }

    /** Writes code points {@code [from, to)} as UTF-8, without a String in between (one key, one byte). */
    private void write(int from, int to, ByteArrayOutputStream screen) {
        for (int i = from; i < to; i++) {
            int c = text[i];
            if (c < 0x80) {
                screen.write(c);
            } else if (c < 0x800) {
                screen.write(0xC0 | c >> 6);
                screen.write(0x80 | c & 0x3F);
            } else if (c < 0x10000) {
                if (Character.isSurrogate((char) c)) {
                    screen.write('?');   // a lone surrogate has no UTF-8 form: '?', as String.getBytes writes it
                    continue;
                }
                screen.write(0xE0 | c >> 12);
                screen.write(0x80 | c >> 6 & 0x3F);
                screen.write(0x80 | c & 0x3F);
            } else {
                screen.write(0xF0 | c >> 18);
                screen.write(0x80 | c >> 12 & 0x3F);
                screen.write(0x80 | c >> 6 & 0x3F);
                screen.write(0x80 | c & 0x3F);
            }
        }
    }

    private void move(int from, int to, ByteArrayOutputStream screen) {
        if (to < from) {
            left(width(text, to, from), screen);
        } else if (to > from) {
            int columns = width(text, from, to);
            screen.writeBytes(("\u001b[" + columns + "C").getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static void left(int columns, ByteArrayOutputStream screen) {
        if (columns == 1) {
            screen.write('\b');
        } else if (columns > 1) {
            screen.writeBytes(("\u001b[" + columns + "D").getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static int width(int[] codePoints, int from, int to) {
        int columns = 0;
        for (int i = from; i < to; i++) {
            columns += width(codePoints[i]);
        }
        return columns;
    }

    /**
     * Terminal columns of a code point: 2 for the common East Asian wide and emoji blocks, else 1.
     * Combining marks and zero-width characters count 1 too (a known limitation: the cursor drifts).
     */
    static int width(int c) {
        boolean wide = c >= 0x1100 && c <= 0x115F
                || c >= 0x2E80 && c <= 0x303E
                || c >= 0x3041 && c <= 0x33FF
                || c >= 0x3400 && c <= 0x4DBF
                || c >= 0x4E00 && c <= 0x9FFF
                || c >= 0xA000 && c <= 0xA4CF
                || c >= 0xAC00 && c <= 0xD7A3
                || c >= 0xF900 && c <= 0xFAFF
                || c >= 0xFE30 && c <= 0xFE4F
                || c >= 0xFF00 && c <= 0xFF60
                || c >= 0xFFE0 && c <= 0xFFE6
                || c >= 0x1F300 && c <= 0x1F64F
                || c >= 0x1F900 && c <= 0x1F9FF
                || c >= 0x20000 && c <= 0x3FFFD;
        return wide ? 2 : 1;
    }
}
