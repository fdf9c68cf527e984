package dev.webrepl.core.terminal;

/**
 * Turns terminal input bytes into keys: UTF-8 text (decoded incrementally, so a character may arrive
 * split across chunks), control bytes, and the escape sequences xterm and webrepl_cli send. A small
 * state machine fed one byte at a time; an escape sequence cut between chunks waits for the rest.
 * Unknown sequences (CSI with other parameters or finals, SS3 F-keys, Alt-x) are read to their end and
 * dropped, never inserted as text.
 */
final class KeyDecoder {
    /** Editing keys that arrive as escape sequences. */
    enum Key { UP, DOWN, RIGHT, LEFT, HOME, END, DELETE }

    /** Where decoded keys go. */
    interface Keys {
        /** A printable or non-printable code point that is not C0 (invalid UTF-8 arrives as U+FFFD). */
        void text(int codePoint);

        /** A C0 control byte or DEL; {@code \n} right after {@code \r} is dropped (one Enter, spec §8). */
        void control(int c);

        void key(Key key);
    }

    private enum State { GROUND, UTF8, ESCAPE, CSI, SS3 }

    private static final int ESC = 0x1b;
    private static final int REPLACEMENT = 0xFFFD;
    private static final int MAX_PARAMS = 16;

    private State state = State.GROUND;
    private boolean afterCr;
    private int codePoint;
    private int pending;
    private int minimum;
    private final StringBuilder params = new StringBuilder();

    void feed(byte value, Keys keys) {
        int b = value & 0xFF;
        if (state != State.GROUND) {
            afterCr = false;
        }
        switch (state) {
            case GROUND -> ground(b, keys);
            case UTF8 -> utf8(b, keys);
            case ESCAPE -> escape(b, keys);
            case CSI -> csi(b, keys);
            case SS3 -> ss3(b, keys);
        }
    }

    private void ground(int b, Keys keys) {
        boolean wasAfterCr = afterCr;
        afterCr = b == '\r';
        if (b == ESC) {
            state = State.ESCAPE;
        } else if (b == '\n' && wasAfterCr) {
            return;
        } else if (b < 0x20 || b == 0x7f) {
            keys.control(b);
        } else if (b < 0x80) {
            keys.text(b);
        } else if (b >= 0xC2 && b <= 0xDF) {
            startUtf8(b & 0x1F, 1, 0x80);
        } else if (b >= 0xE0 && b <= 0xEF) {
            startUtf8(b & 0x0F, 2, 0x800);
        } else if (b >= 0xF0 && b <= 0xF4) {
            startUtf8(b & 0x07, 3, 0x10000);
        } else {
            keys.text(REPLACEMENT);
        }
    }

    private void startUtf8(int bits, int continuationBytes, int min) {
        codePoint = bits;
        pending = continuationBytes;
        minimum = min;
        state = State.UTF8;
    }

    private void utf8(int b, Keys keys) {
        if ((b & 0xC0) != 0x80) {
            // Cut short: the lead byte becomes one U+FFFD and this byte starts afresh.
            keys.text(REPLACEMENT);
            state = State.GROUND;
            ground(b, keys);
            return;
        }
        codePoint = codePoint << 6 | b & 0x3F;
        if (--pending == 0) {
            state = State.GROUND;
            boolean valid = codePoint >= minimum && codePoint <= Character.MAX_CODE_POINT
                    && !(codePoint >= Character.MIN_SURROGATE && codePoint <= Character.MAX_SURROGATE);
            keys.text(valid ? codePoint : REPLACEMENT);
        }
    }

    private void escape(int b, Keys keys) {
        if (b == '[') {
            params.setLength(0);
            state = State.CSI;
        } else if (b == 'O') {
            state = State.SS3;
        } else if (b == ESC) {
            // ESC ESC: the first is dropped, the second starts a sequence.
        } else if (b >= 0x20 && b <= 0x7e) {
            state = State.GROUND; // Alt-x (meta prefix): ignored
        } else {
            state = State.GROUND;
            ground(b, keys);
        }
    }

    private void csi(int b, Keys keys) {
        if (b >= 0x20 && b <= 0x3F) {
            if (params.length() < MAX_PARAMS) {
                params.append((char) b);
            }
        } else if (b >= 0x40 && b <= 0x7E) {
            state = State.GROUND;
            Key key = csiKey(params.toString(), (char) b);
            if (key != null) {
                keys.key(key);
            }
        } else {
            // Not part of a CSI sequence (ECMA-48 §5.4): the sequence is abandoned, the byte kept.
            state = State.GROUND;
            ground(b, keys);
        }
    }

    private static Key csiKey(String params, char last) {
        if (params.isEmpty()) {
            return arrowOrHomeEnd(last);
        }
        if (last != '~') {
            return null;
        }
        return switch (params) {
            case "1", "7" -> Key.HOME;
            case "4", "8" -> Key.END;
            case "3" -> Key.DELETE;
            default -> null;
        };
    }

    private static Key arrowOrHomeEnd(char last) {
        return switch (last) {
            case 'A' -> Key.UP;
            case 'B' -> Key.DOWN;
            case 'C' -> Key.RIGHT;
            case 'D' -> Key.LEFT;
            case 'H' -> Key.HOME;
            case 'F' -> Key.END;
            default -> null;
        };
    }

    private void ss3(int b, Keys keys) {
        state = State.GROUND;
        if (b >= 0x20 && b <= 0x7E) {
            Key key = arrowOrHomeEnd((char) b);
            if (key != null) {
                keys.key(key);
            }
        } else {
            ground(b, keys);
        }
    }
}
