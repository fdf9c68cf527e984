package dev.webrepl.engines.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * Whether a program started in a pty can take terminal input yet (issue 16 point 4: a Ctrl-C that
 * arrives before a program has set up its terminal kills it). Linux only, read from the kernel:
 * <ul>
 * <li>the tty left canonical mode (ICANON off: a line editor, MicroPython's or readline's or JLine's,
 *     has taken the terminal; MicroPython's unix port flushes pending input at that moment), or
 * <li>the program, or a process under it (a wrapper such as bwrap or {@code sh -c exec}), sleeps
 *     reading the tty ({@code /proc/PID/wchan} is the tty read's wait: cat, sh).
 * </ul>
 * Neither is a promise (a program may wait in a tty read before it installs its SIGINT handler); the
 * session's bound delivers held input in any case. Where {@code /proc} cannot be read the probe says
 * ready at once, which is the behaviour without it.
 */
final class ReadyProbe {
    /** Kernel functions a process sleeps in while it reads a tty (n_tty_read waits in wait_woken). */
    private static final Set<String> TTY_READ_WAITS = Set.of("wait_woken", "n_tty_read");
    private static final int ISIG = 0x1;
    private static final int ICANON = 0x2;
    /** Linux struct termios: four tcflag_t, c_line, 32 c_cc, two speeds; 64 bytes cover it. */
    private static final int TERMIOS_SIZE = 64;
    private static final int C_LFLAG_OFFSET = 12;
    /** How long the engine keeps looking; the session's bound (5 s by default) is the one that counts. */
    static final Duration GIVE_UP_AFTER = Duration.ofSeconds(10);
    /** The most processes under the program that one look reads. */
    private static final int MAX_LOOKED_AT = 16;

    private final long pid;
    private final int masterFd;
    private final ProcessEngine.Readiness readiness;

    ReadyProbe(long pid, int masterFd, ProcessEngine.Readiness readiness) {
        this.pid = pid;
        this.masterFd = masterFd;
        this.readiness = readiness;
    }

    /** Whether this system lets the probe look (/proc with wchan); where not, a program counts as ready at once. */
    static boolean canLook() {
        return Files.isReadable(Path.of("/proc/self/wchan"));
    }

    /**
     * One look: for {@link ProcessEngine.Readiness#SIGNALS_OFF}, whether ISIG is off; otherwise whether
     * the tty is out of canonical mode or a process of the program reads it.
     */
    boolean ready() {
        if (readiness == ProcessEngine.Readiness.SIGNALS_OFF) {
            return !localMode(ISIG);
        }
        if (!localMode(ICANON)) {
            return true;
        }
        // The program itself first (cat, sh, a REPL: the common case), then what runs under it (a wrapper
        // such as bwrap or sh -c), read from its children lists: ProcessHandle.descendants() reads every
        // process of the system, and with 1000 sessions starting their probes' looks took a core
        // (issue #19: the closes of those sessions queued behind them on the loop's task pool).
        if (readingTty(pid)) {
            return true;
        }
        for (long p : ProcessEngine.descendantPids(pid, MAX_LOOKED_AT)) {
            if (readingTty(p)) {
                return true;
            }
        }
        return false;
    }

    /** Whether local mode {@code flag} is on (true when the tty cannot be read: nothing is concluded). */
    private boolean localMode(int flag) {
        if (masterFd < 0) {
            return true;
        }
        byte[] termios = new byte[TERMIOS_SIZE];
        try {
            if (LinuxCalls.tcgetattr(masterFd, termios) != 0) {
                return true;
            }
            int lflag = java.nio.ByteBuffer.wrap(termios).order(java.nio.ByteOrder.nativeOrder()).getInt(C_LFLAG_OFFSET);
            return (lflag & flag) != 0;
        } catch (RuntimeException | LinkageError e) {
            return true;
        }
    }

    /** Whether process {@code p} sleeps in a tty read now. */
    static boolean readingTty(long p) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(p), "stat"), StandardCharsets.US_ASCII);
            int close = stat.lastIndexOf(')');
            if (close < 0 || close + 2 >= stat.length() || stat.charAt(close + 2) != 'S') {
                return false;
            }
            String wchan = Files.readString(Path.of("/proc", Long.toString(p), "wchan"), StandardCharsets.US_ASCII);
            int dot = wchan.indexOf('.');
            return TTY_READ_WAITS.contains(dot < 0 ? wchan.trim() : wchan.substring(0, dot));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
