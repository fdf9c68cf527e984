package dev.webrepl.engines.process;

import dev.webrepl.core.engine.Pausable;
import dev.webrepl.core.engine.TerminalOutput;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The thread that copies a pty's output to the session. Paused, it stops reading: the child then
 * blocks on a full pty as on a real terminal, and nothing is lost (DESIGN "Output, buffering and the
 * POSIX send() rule").
 */
final class PtyReader implements Pausable {
    static final int CHUNK = 8192;

    private final InputStream pty;
    private final TerminalOutput output;
    private final Runnable onEnd;
    private final Consumer<Exception> onError;
    private final Thread thread;
    private final Object lock = new Object();
    private boolean paused;
    private boolean parked;
    private boolean stopped;

    /** {@code onEnd} runs after the last output (end of file); {@code onError} on a read or write failure. */
    PtyReader(String name, InputStream pty, TerminalOutput output, Runnable onEnd, Consumer<Exception> onError) {
        this.pty = pty;
        this.output = output;
        this.onEnd = onEnd;
        this.onError = onError;
        this.thread = new Thread(this::run, name);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    @Override
    public void pause() {
        synchronized (lock) {
            paused = true;
        }
    }

    @Override
    public void resume() {
        synchronized (lock) {
            paused = false;
            lock.notifyAll();
        }
    }

    /** Whether the reader is waiting for {@link #resume()} (it reads nothing until then). */
    boolean parked() {
        synchronized (lock) {
            return parked;
        }
    }

    /** Stops reading and reporting; a read in progress ends when the pty is closed. */
    void stop() {
        synchronized (lock) {
            stopped = true;
            lock.notifyAll();
        }
    }

    /**
     * Waits up to {@code timeout} for the thread to end; true if it did. On the reader's own thread
     * (the session ended from what the reader reported: the program's exit, a limit) it cannot wait
     * for itself: it is stopped and returns once this call has, so that counts as ended.
     */
    boolean join(Duration timeout) throws InterruptedException {
        if (Thread.currentThread() == thread) {
            return true;
        }
        thread.join(Math.max(1, timeout.toMillis()));
        return !thread.isAlive();
    }

    private void run() {
        byte[] buffer = new byte[CHUNK];
        try {
            while (awaitRunnable()) {
                int n = pty.read(buffer);
                if (n < 0) {
                    break;
                }
                if (n > 0) {
                    output.write(Arrays.copyOf(buffer, n));
                }
            }
        } catch (IOException | RuntimeException e) {
            if (!stopped()) {
                onError.accept(e);
            }
            return;
        }
        if (!stopped()) {
            onEnd.run();
        }
    }

    /** Parks while paused; false once stopped. */
    private boolean awaitRunnable() {
        synchronized (lock) {
            try {
                while (paused && !stopped) {
                    parked = true;
                    lock.wait();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopped = true;
            } finally {
                parked = false;
            }
            return !stopped;
        }
    }

    private boolean stopped() {
        synchronized (lock) {
            return stopped;
        }
    }
}
