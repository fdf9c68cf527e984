package dev.webrepl.engines.micropython;

import dev.webrepl.core.engine.TerminalOutput;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The REPL's output as a board's UART would carry it, across the soft resets of one session.
 *
 * <p>A board cooks {@code print}'s newlines itself ({@code mp_hal_stdout_tx_strn_cooked}: {@code \n}
 * becomes {@code \r\n}) and writes the REPL's own {@code \r\n} as is. The unix port cooks nothing and
 * leaves {@code print}'s bare {@code \n} to its tty's ONLCR, which would also turn the REPL's
 * {@code \r\n} into {@code \r\r\n} (what broke mpfshell's raw-REPL entry). So the pty translates
 * nothing and, for the unix port, {@link UnixPortOutput} turns a bare {@code \n} (not after {@code \r})
 * into {@code \r\n}, except in paste mode's echo, which it makes a board's (it is told the input for
 * that: {@link #input}); unlike a board, {@code print('a\r')} then shows {@code a\r\n}, not
 * {@code a\r\r\n}. The WebAssembly port's runner does the same itself: its output passes as it is.
 *
 * <p>It also remembers which REPL the output last showed (raw REPL banner or {@code >>> }), so that a
 * soft reset in the raw REPL comes back in the raw REPL as on a board (pyboard.py, mpfshell and Thonny
 * soft-reset there and wait for {@code raw REPL; CTRL-B to exit\r\n}); the new REPL's friendly banner,
 * which a board does not show then, is hidden (up to {@link #HIDE_LIMIT} bytes).
 */
final class BoardOutput implements TerminalOutput {
    static final byte[] RAW_BANNER = "raw REPL; CTRL-B to exit\r\n".getBytes(StandardCharsets.US_ASCII);
    static final byte[] PROMPT = ">>> ".getBytes(StandardCharsets.US_ASCII);
    /** What ESP8266/ESP32 print on a soft reset, before the new banner. */
    static final byte[] SOFT_REBOOT = "MPY: soft reboot\r\n".getBytes(StandardCharsets.US_ASCII);
    /** A raw restart shows everything after this many bytes without a raw REPL banner (a REPL that never gets there). */
    static final int HIDE_LIMIT = 8192;

    private final TerminalOutput out;
    /** The unix port's translation; null when the REPL's bytes are a board's already. */
    private final UnixPortOutput unix;
    // Written under the lock; read without it by input(), on the input's thread.
    private volatile boolean raw;
    private byte[] tail = new byte[0];
    private ByteArrayOutputStream hidden;

    /** {@code unixPort}: the REPL is the unix port's (see the class comment). */
    BoardOutput(TerminalOutput out, boolean unixPort) {
        this.out = out;
        this.unix = unixPort ? new UnixPortOutput() : null;
    }

    /** {@code bytes} are about to be written to the REPL (paste mode's echo depends on them). */
    void input(byte[] bytes) {
        if (unix != null) {
            unix.input(bytes, raw);
        }
    }

    @Override
    public synchronized void write(byte[] bytes) {
        track(bytes);
        byte[] shown = bytes;
        if (hidden != null) {
            hidden.writeBytes(bytes);
            byte[] all = hidden.toByteArray();
            int at = indexOf(all, RAW_BANNER);
            if (at >= 0) {
                shown = Arrays.copyOfRange(all, at, all.length);
            } else if (all.length > HIDE_LIMIT) {
                shown = all;
            } else {
                return;
            }
            hidden = null;
        }
        emit(shown);
    }

    /** Whether the REPL last showed the raw REPL (its banner after the last {@code >>> }). */
    synchronized boolean inRawRepl() {
        return raw;
    }

    /**
     * Writes the soft reboot line; with {@code rawRestart}, hides what the next REPL shows before its
     * raw REPL banner.
     */
    synchronized void softReboot(boolean rawRestart) {
        if (unix != null) {
            unix.reset();
        }
        emit(SOFT_REBOOT.clone());
        tail = new byte[0];
        hidden = rawRestart ? new ByteArrayOutputStream() : null;
    }

    private void track(byte[] bytes) {
        byte[] seen = new byte[tail.length + bytes.length];
        System.arraycopy(tail, 0, seen, 0, tail.length);
        System.arraycopy(bytes, 0, seen, tail.length, bytes.length);
        int lastRaw = lastIndexOf(seen, RAW_BANNER);
        int lastPrompt = lastIndexOf(seen, PROMPT);
        if (lastRaw >= 0 || lastPrompt >= 0) {
            raw = lastRaw > lastPrompt;
        }
        int keep = Math.min(seen.length, RAW_BANNER.length - 1);
        tail = Arrays.copyOfRange(seen, seen.length - keep, seen.length);
    }

    /** Writes {@code bytes} (which it may hand on as they are) as a board would have sent them. */
    private void emit(byte[] bytes) {
        out.write(unix == null ? bytes : unix.output(bytes));
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (haystack[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static int lastIndexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = haystack.length - needle.length; i >= 0; i--) {
            for (int k = 0; k < needle.length; k++) {
                if (haystack[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
