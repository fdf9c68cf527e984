package dev.webrepl.engines.process;

import static dev.webrepl.engines.process.LinuxCalls.O_CLOEXEC;
import static dev.webrepl.engines.process.LinuxCalls.O_NOCTTY;
import static dev.webrepl.engines.process.LinuxCalls.O_RDWR;

import com.sun.jna.Native;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A program in a new pseudo-terminal, spawned with posix_spawn(3) as the leader of a new session whose
 * controlling terminal is the pty's slave (POSIX_SPAWN_SETSID, then the slave opened as fd 0). No
 * thread waits for it (pty4j kept one reaper thread per child): its pidfd is in the {@link PtyLoop}'s
 * epoll set and the loop reaps it with waitpid(WNOHANG) when it becomes readable ({@link #reap()}).
 * Descriptors of the server other than 0-2 are closed in the child (closefrom).
 */
final class PtyChild {
    private static final int SIGHUP = 1;
    private static final int SIGKILL = 9;
    private static final int SIGTERM = 15;
    /** posix_spawn_file_actions_t is 80 bytes and posix_spawnattr_t 336 in glibc; room to spare. */
    private static final int OPAQUE = 1024;
    private static final int SIGSET = 256;

    private final int master;
    private final int pid;
    private final int pidfd;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private final ByteBuffer status = LinuxCalls.direct(8);
    private final long statusAddress = LinuxCalls.address(status);
    private final AtomicBoolean closed = new AtomicBoolean();

    private PtyChild(int master, int pid, int pidfd) {
        this.master = master;
        this.pid = pid;
        this.pidfd = pidfd;
    }

    /** Spawns {@code command} (its first element a path) in {@code directory}, with exactly {@code environment}. */
    static PtyChild spawn(List<String> command, Map<String, String> environment, Path directory, int columns, int rows)
            throws IOException {
        int master = LinuxCalls.posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0) {
            throw new IOException("cannot open a pty: errno " + Native.getLastError());
        }
        try {
            if (LinuxCalls.grantpt(master) != 0 || LinuxCalls.unlockpt(master) != 0) {
                throw new IOException("cannot unlock the pty: errno " + Native.getLastError());
            }
            resize(master, columns, rows);
            List<String> env = new ArrayList<>(environment.size());
            environment.forEach((k, v) -> env.add(k + "=" + v));
            int pid = start(master, command, env, directory);
            int pidfd = (int) LinuxCalls.syscall(LinuxCalls.SYS_PIDFD_OPEN, pid, 0);
            if (pidfd < 0) {
                int errno = Native.getLastError();
                LinuxCalls.kill(pid, SIGKILL);
                LinuxCalls.waitpid(pid, 0, 0);
                throw new IOException("pidfd_open failed (Linux 5.3 or later needed): errno " + errno);
            }
            return new PtyChild(master, pid, pidfd);
        } catch (IOException | RuntimeException e) {
            LinuxCalls.close(master);
            throw e;
        }
    }

    /** posix_spawn with everything it reads in one native buffer: the opaque structures, the strings, the arrays. */
    private static int start(int master, List<String> command, List<String> env, Path directory) throws IOException {
        List<byte[]> strings = new ArrayList<>();
        command.forEach(s -> strings.add(cString(s)));
        env.forEach(s -> strings.add(cString(s)));
        byte[] dir = cString(directory.toString());
        int text = dir.length + 128; // the directory, then the slave's name
        for (byte[] s : strings) {
            text += s.length;
        }
        int pointers = (command.size() + 1 + env.size() + 1) * 8;
        int size = OPAQUE * 2 + SIGSET * 2 + 8 + pointers + text;
        ByteBuffer b = LinuxCalls.direct(size);
        long base = LinuxCalls.address(b);
        long actions = base;
        long attributes = base + OPAQUE;
        long noSignals = attributes + OPAQUE;
        long allSignals = noSignals + SIGSET;
        long pidAt = allSignals + SIGSET;
        int argvAt = (int) (pidAt - base) + 8;
        int envpAt = argvAt + (command.size() + 1) * 8;
        int textAt = envpAt + (env.size() + 1) * 8;
        b.position(textAt);
        long dirAt = base + b.position();
        b.put(dir);
        long slaveAt = base + b.position();
        if (LinuxCalls.ptsname_r(master, slaveAt, 128) != 0) {
            throw new IOException("ptsname failed: errno " + Native.getLastError());
        }
        b.position(b.position() + 128);
        for (int i = 0; i < strings.size(); i++) {
            long at = base + b.position();
            b.put(strings.get(i));
            int slot = i < command.size() ? argvAt + i * 8 : envpAt + (i - command.size()) * 8;
            b.putLong(slot, at);
        }
        b.putLong(argvAt + command.size() * 8, 0);
        b.putLong(envpAt + env.size() * 8, 0);
        long argv = base + argvAt;

        if (LinuxCalls.posix_spawn_file_actions_init(actions) != 0) {
            throw new IOException("posix_spawn_file_actions_init failed");
        }
        try {
            if (LinuxCalls.posix_spawnattr_init(attributes) != 0) {
                throw new IOException("posix_spawnattr_init failed");
            }
            try {
                // After setsid (done before the file actions), opening the slave makes it the controlling tty.
                check(LinuxCalls.posix_spawn_file_actions_addopen(actions, 0, slaveAt, O_RDWR, 0), "addopen");
                check(LinuxCalls.posix_spawn_file_actions_adddup2(actions, 0, 1), "adddup2");
                check(LinuxCalls.posix_spawn_file_actions_adddup2(actions, 0, 2), "adddup2");
                check(LinuxCalls.posix_spawn_file_actions_addclosefrom_np(actions, 3), "addclosefrom_np");
                check(LinuxCalls.posix_spawn_file_actions_addchdir_np(actions, dirAt), "addchdir_np");
                LinuxCalls.sigemptyset(noSignals);
                LinuxCalls.sigfillset(allSignals);
                check(LinuxCalls.posix_spawnattr_setsigmask(attributes, noSignals), "setsigmask");
                check(LinuxCalls.posix_spawnattr_setsigdefault(attributes, allSignals), "setsigdefault");
                check(LinuxCalls.posix_spawnattr_setflags(attributes, (short) (LinuxCalls.POSIX_SPAWN_SETSID
                        | LinuxCalls.POSIX_SPAWN_SETSIGMASK | LinuxCalls.POSIX_SPAWN_SETSIGDEF)), "setflags");
                int error = LinuxCalls.posix_spawn(pidAt, base + textAt + dir.length + 128, actions, attributes, argv,
                        base + envpAt);
                if (error != 0) {
                    throw new IOException(command.get(0) + ": " + strerror(error));
                }
                return b.getInt((int) (pidAt - base));
            } finally {
                LinuxCalls.posix_spawnattr_destroy(attributes);
            }
        } finally {
            LinuxCalls.posix_spawn_file_actions_destroy(actions);
        }
    }

    private static void check(int result, String call) throws IOException {
        if (result != 0) {
            throw new IOException("posix_spawn " + call + " failed: " + strerror(result));
        }
    }

    private static String strerror(int error) {
        return switch (error) {
            case 2 -> "no such file or directory";
            case 13 -> "permission denied";
            case 8 -> "exec format error";
            case 20 -> "not a directory";
            default -> "errno " + error;
        };
    }

    private static byte[] cString(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        byte[] c = new byte[utf8.length + 1];
        System.arraycopy(utf8, 0, c, 0, utf8.length);
        return c;
    }

    private static void resize(int fd, int columns, int rows) throws IOException {
        // struct winsize: rows, columns, then two unused pixel sizes, all unsigned short (native order).
        ByteBuffer w = ByteBuffer.allocate(8).order(java.nio.ByteOrder.nativeOrder());
        w.putShort(0, (short) rows).putShort(2, (short) columns);
        if (LinuxCalls.ioctl(fd, LinuxCalls.TIOCSWINSZ, w.array()) != 0) {
            throw new IOException("cannot set the terminal size: errno " + Native.getLastError());
        }
    }

    int master() {
        return master;
    }

    int pidfd() {
        return pidfd;
    }

    long pid() {
        return pid;
    }

    /** Sets the terminal's size; the kernel sends the child's foreground group SIGWINCH. */
    void resize(int columns, int rows) throws IOException {
        if (!closed.get()) {
            resize(master, columns, rows);
        }
    }

    /** Completes with the exit status once the child is reaped. */
    java.util.concurrent.CompletionStage<Integer> onExit() {
        return exit.minimalCompletionStage();
    }

    boolean isAlive() {
        return !exit.isDone();
    }

    /**
     * Loop thread, when the pidfd is readable: collects the exit status (128 + the signal for a
     * child killed by one, as a shell says). True once reaped.
     */
    boolean reap() {
        if (exit.isDone()) {
            return true;
        }
        int r = LinuxCalls.waitpid(pid, statusAddress, LinuxCalls.WNOHANG);
        if (r == pid) {
            int s = status.getInt(0);
            int code = (s & 0x7f) == 0 ? (s >> 8) & 0xff : 128 + (s & 0x7f);
            exit.complete(code);
            return true;
        }
        if (r < 0 && Native.getLastError() == LinuxCalls.ECHILD) {
            exit.complete(-1); // reaped elsewhere: the status is lost
            return true;
        }
        return false;
    }

    int waitFor() throws InterruptedException {
        try {
            return exit.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        try {
            exit.get(timeout, unit);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    int exitValue() {
        Integer code = exit.getNow(null);
        if (code == null) {
            throw new IllegalThreadStateException("process " + pid + " has not exited");
        }
        return code;
    }

    /** SIGHUP then SIGTERM to the child's process group, as when its terminal closes. */
    void hangUp() {
        signal(SIGHUP);
        signal(SIGTERM);
    }

    void kill() {
        signal(SIGKILL);
    }

    /** SIGKILL and a blocking waitpid: for a child no loop watches (it could not be put on one). */
    void killAndReap() {
        kill();
        if (LinuxCalls.waitpid(pid, statusAddress, 0) == pid) {
            exit.complete(128 + SIGKILL);
        }
    }

    /** To the process group the child leads, else to the child; nothing once reaped (its pid may be reused). */
    private void signal(int signal) {
        if (isAlive() && LinuxCalls.killpg(pid, signal) != 0) {
            LinuxCalls.kill(pid, signal);
        }
    }

    /** Closes the master and the pidfd; only after the loop let go of them. Idempotent. */
    void close() {
        if (closed.compareAndSet(false, true)) {
            LinuxCalls.close(master);
            LinuxCalls.close(pidfd);
        }
    }
}
