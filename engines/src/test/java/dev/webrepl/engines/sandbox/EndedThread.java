package dev.webrepl.engines.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * Runs a task on a thread of its own and returns once the kernel has ended that thread: by then a
 * child it started with {@code PR_SET_PDEATHSIG} (bwrap's {@code --die-with-parent}) has been sent
 * its signal. {@code Thread.join} alone returns before the native thread is gone.
 */
public final class EndedThread {
    private static final AtomicInteger NAMES = new AtomicInteger();

    private EndedThread() {
    }

    /** A task that may throw. */
    @FunctionalInterface
    public interface Task<T> {
        T run() throws Exception;
    }

    public static <T> T run(Task<T> task) throws Exception {
        // The kernel's name of a thread (comm) is its first 15 characters: short and unique in this JVM.
        String name = "ended-" + ProcessHandle.current().pid() % 1000 + "-" + NAMES.incrementAndGet();
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Exception> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                result.set(task.run());
            } catch (Exception e) {
                failure.set(e);
            }
        }, name);
        t.start();
        t.join();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (alive(name)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("thread " + name + " still in /proc/self/task after 30 s");
            }
            Thread.sleep(1); // the kernel tells nobody when a thread has gone: /proc is the only way to see it
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        return result.get();
    }

    private static boolean alive(String name) throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.anyMatch(task -> {
                try {
                    return Files.readString(task.resolve("comm")).strip().equals(name);
                } catch (IOException e) {
                    return false; // gone while listed
                }
            });
        }
    }
}
