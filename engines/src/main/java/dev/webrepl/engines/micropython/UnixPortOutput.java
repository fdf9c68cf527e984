package dev.webrepl.engines.micropython;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The unix port's output bytes as a board's UART sends them, for {@link BoardOutput}.
 *
 * <p>Newlines: a board cooks {@code print}'s {@code \n} into {@code \r\n}; the unix port writes it bare
 * (its pty translates nothing), so a bare {@code \n} (not after {@code \r}) becomes {@code \r\n}.
 *
 * <p>Paste mode (Ctrl-E at the friendly prompt; {@code shared/runtime/pyexec.c}): a board echoes each
 * received byte raw, a CR as {@code \r\n=== }, so a pasted {@code \n} comes back as {@code \n}; Thonny
 * checks that echo. The unix port reads an input LF as CR ({@code ports/unix/unix_mphal.c}), so its echo
 * of {@code \n} is {@code \r\n=== }. To undo that, this class is told the input before the pty gets it
 * ({@link #input}), so before its echo can appear: from a Ctrl-E typed while the REPL was not in the raw
 * REPL ({@link State#ARMED}), every input byte is queued (at most {@link #INPUT_LIMIT}). When the output
 * then shows the paste banner ({@link State#PASTING}), each queued byte's echo is expected in turn: a
 * byte as itself, CR and LF as {@code \r\n=== } (shown as {@code \n} for LF), Ctrl-C and Ctrl-D as
 * {@code \r\n}, which ends paste mode; the echo is never cooked. Output that is not the expected echo
 * (input dropped by an interrupt, a thread printing, input past the limit) ends the matching: it is
 * shown as it came and cooked from there on, which is what the unix port's paste mode gave before. So
 * does a paste after a Ctrl-E that started none (typed in a continuation line, or read by running code):
 * its queued input is matched first. Pastes typed ahead are each matched after their own banner.
 *
 * <p>Thread-safe: the input is told on the input's thread, the output comes on the pty reader's.
 */
final class UnixPortOutput {
    static final byte[] PASTE_BANNER =
            "\r\npaste mode; Ctrl-C to cancel, Ctrl-D to finish\r\n=== ".getBytes(StandardCharsets.US_ASCII);
    /** Input queued for the paste-mode echo at most; what comes after it is not matched. */
    static final int INPUT_LIMIT = 64 * 1024;

    private static final byte CTRL_C = 0x03;
    private static final byte CTRL_D = 0x04;
    private static final byte CTRL_E = 0x05;
    private static final byte[] LINE_ECHO = "\r\n=== ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END_ECHO = {'\r', '\n'};

    private enum State {
        /** Not in paste mode: output is cooked. */
        COOKING,
        /** A Ctrl-E was typed: input is queued, output cooked and watched for the paste banner. */
        ARMED,
        /** The paste banner was shown: output is matched against the echo of the queued input. */
        PASTING
    }

    private State state = State.COOKING;
    private boolean lastWasCr;
    /** Input since the Ctrl-E (ARMED) or not yet echoed (PASTING). */
    private final ByteQueue queued = new ByteQueue(INPUT_LIMIT);
    /** The last output bytes while ARMED, as many as the banner has (a ring). */
    private final byte[] recent = new byte[PASTE_BANNER.length];
    /** Where the next byte goes in {@link #recent}; whether it went round once. */
    private int recentEnd;
    private boolean recentFull;
    /** Bytes of the expected echo of the queue's first byte seen so far (held back until it is complete). */
    private int matched;

    /** {@code bytes} are about to be written to the REPL's pty; {@code raw}: the output last showed the raw REPL. */
    synchronized void input(byte[] bytes, boolean raw) {
        for (byte b : bytes) {
            switch (state) {
                case COOKING -> {
                    // In the raw REPL, Ctrl-E is raw-paste mode (no banner, no echo).
                    if (b == CTRL_E && !raw) {
                        arm();
                    }
                }
                case ARMED, PASTING -> {
                    // A Ctrl-E after the one that armed is queued: a paste typed ahead (its own banner
                    // follows the first paste's end), or content. One whose queue is full starts afresh.
                    if (b == CTRL_E && state == State.ARMED && queued.full()) {
                        arm();
                    } else {
                        queued.add(b);
                    }
                }
            }
        }
    }

    /** The REPL restarted (soft reset): no paste mode, nothing queued. */
    synchronized void reset() {
        state = State.COOKING;
        queued.clear();
        matched = 0;
    }

    /** What a board would have sent for {@code bytes} of the unix port's output. */
    synchronized byte[] output(byte[] bytes) {
        ByteArrayOutputStream shown = new ByteArrayOutputStream(bytes.length + 16);
        for (byte b : bytes) {
            switch (state) {
                case COOKING -> cook(b, shown);
                case ARMED -> {
                    cook(b, shown);
                    recent[recentEnd] = b;
                    recentEnd = (recentEnd + 1) % recent.length;
                    recentFull |= recentEnd == 0;
                    if (b == ' ' && showedBanner()) {
                        state = State.PASTING;
                        matched = 0;
                    }
                }
                case PASTING -> echo(b, shown);
            }
        }
        return shown.toByteArray();
    }

    private void arm() {
        state = State.ARMED;
        queued.clear();
        forgetRecent();
    }

    private void forgetRecent() {
        recentEnd = 0;
        recentFull = false;
    }

    private void cook(byte b, ByteArrayOutputStream shown) {
        if (b == '\n' && !lastWasCr) {
            shown.write('\r');
        }
        shown.write(b);
        lastWasCr = b == '\r';
    }

    private boolean showedBanner() {
        if (!recentFull) {
            return false;
        }
        for (int i = 0; i < recent.length; i++) {
            if (recent[(recentEnd + i) % recent.length] != PASTE_BANNER[i]) {
                return false;
            }
        }
        return true;
    }

    /** One output byte in paste mode: the next byte of the echo of the first queued input byte, or not. */
    private void echo(byte b, ByteArrayOutputStream shown) {
        if (queued.isEmpty()) {
            unmatched(new byte[0], b, shown);
            return;
        }
        byte in = queued.first();
        byte[] expected = in == '\r' || in == '\n' ? LINE_ECHO : in == CTRL_C || in == CTRL_D ? END_ECHO : new byte[] {in};
        if (b != expected[matched]) {
            unmatched(expected, b, shown);
            return;
        }
        if (++matched < expected.length) {
            return;
        }
        matched = 0;
        queued.remove();
        if (in == '\n') {
            shown.write('\n');
        } else {
            shown.writeBytes(expected);
        }
        lastWasCr = false;
        if (in == CTRL_C || in == CTRL_D) {
            ended();
        }
    }

    /** Paste mode ended: input typed after its end waits for its own Ctrl-E, if any. */
    private void ended() {
        while (!queued.isEmpty()) {
            if (queued.remove() == CTRL_E) {
                state = State.ARMED;
                forgetRecent();
                return;
            }
        }
        state = State.COOKING;
    }

    /** Not the echo expected: the held part of {@code expected} and {@code b} are shown as they came, cooked. */
    private void unmatched(byte[] expected, byte b, ByteArrayOutputStream shown) {
        state = State.COOKING;
        queued.clear();
        for (int i = 0; i < matched; i++) {
            cook(expected[i], shown);
        }
        matched = 0;
        cook(b, shown);
    }

    /**
     * Bytes in order, in a ring that grows up to a limit; once a byte was dropped there, it takes no more
     * until cleared (a gap would pair later echoes with the wrong bytes).
     */
    private static final class ByteQueue {
        private final int limit;
        private byte[] ring = new byte[256];
        private int head;
        private int size;
        private boolean full;

        ByteQueue(int limit) {
            this.limit = limit;
        }

        boolean isEmpty() {
            return size == 0;
        }

        /** Whether a byte was dropped since the last {@link #clear}. */
        boolean full() {
            return full;
        }

        void add(byte b) {
            if (full || size == limit) {
                full = true;
                return;
            }
            if (size == ring.length) {
                byte[] bigger = new byte[Math.min(limit, ring.length * 2)];
                for (int i = 0; i < size; i++) {
                    bigger[i] = ring[(head + i) % ring.length];
                }
                ring = bigger;
                head = 0;
            }
            ring[(head + size) % ring.length] = b;
            size++;
        }

        byte first() {
            return ring[head];
        }

        byte remove() {
            byte b = ring[head];
            head = (head + 1) % ring.length;
            size--;
            return b;
        }

        void clear() {
            head = 0;
            size = 0;
            full = false;
        }
    }
}
