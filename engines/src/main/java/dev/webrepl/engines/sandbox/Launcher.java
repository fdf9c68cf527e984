package dev.webrepl.engines.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Function;

/**
 * Starts child processes from one thread that lives as long as any of them does.
 *
 * <p>bubblewrap's {@code --die-with-parent} (which ends a sandbox when the server dies) is
 * {@code PR_SET_PDEATHSIG}, and Linux sends that signal when the <em>thread</em> that created the
 * process ends, not the process (prctl(2)). A session started from a pool thread (Reactor's workers
 * retire after 60 s idle) had its sandbox killed a minute later: {@code engine exited with status
 * 137}. Here every start runs on this launcher's thread, which waits while a child it started is
 * alive and ends when none is (so an idle server holds no thread for it).
 */
public final class Launcher {
    private final String name;
    private final Object lock = new Object();
    private final ArrayDeque<FutureTask<?>> starts = new ArrayDeque<>();
    /** Children started (or being started) that have not ended: the thread stays while there are any. */
    private int alive;
    private Thread thread;

    public Launcher(String name) {
        this.name = name;
    }

    /** A program that starts a process (e.g. {@code ProcessBuilder::start}). */
    @FunctionalInterface
    public interface Start<T> {
        T start() throws IOException;
    }

    /**
     * Runs {@code start} on the launcher's thread and returns what it started; {@code ended} says when
     * that process has ended (its exit, as {@code Process::onExit}). Waits for the start even when
     * interrupted (a process started for nobody would be left), and keeps the interrupt.
     */
    public <T> T launch(Start<T> start, Function<T, CompletionStage<?>> ended) throws IOException {
        FutureTask<T> task = new FutureTask<>((Callable<T>) start::start);
        synchronized (lock) {
            alive++;
            starts.add(task);
            if (thread == null) {
                thread = new Thread(this::run, name);
                thread.setDaemon(true);
                thread.start();
            }
            lock.notifyAll();
        }
        T started;
        try {
            started = await(task);
        } catch (IOException | RuntimeException | Error e) {
            end();
            throw e;
        }
        try {
            ended.apply(started).whenComplete((v, e) -> end());
        } catch (RuntimeException e) {
            end();
            throw e;
        }
        return started;
    }

    /** Whether the launcher's thread is running (for tests: it is not while no child lives). */
    boolean running() {
        synchronized (lock) {
            return thread != null;
        }
    }

    private static <T> T await(FutureTask<T> task) throws IOException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return task.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    if (c instanceof IOException io) {
                        throw io;
                    } else if (c instanceof RuntimeException r) {
                        throw r;
                    } else if (c instanceof Error err) {
                        throw err;
                    }
                    throw new UncheckedIOException(new IOException(c));
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void end() {
        synchronized (lock) {
            alive--;
            lock.notifyAll();
        }
    }

    private void run() {
        while (true) {
            FutureTask<?> next;
            synchronized (lock) {
                while (starts.isEmpty() && alive > 0) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        // Nobody interrupts it on purpose; ending now would signal the children.
                    }
                }
                if (starts.isEmpty()) {
                    thread = null;
                    return;
                }
                next = starts.poll();
            }
            next.run();
        }
    }
}
