package dev.webrepl.engines.jshell;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The warm pool ({@code --prewarm N}): up to N started and warmed JShell instances, built on a thread
 * the pool owns, so a new session does not wait for javac and a child JVM to start. {@link #take()}
 * never waits for the pool: with no idle instance it builds one on the caller's thread.
 */
public final class JShellPool implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JShellPool.class);
    private static final long CLOSE_WAIT_SECONDS = 30;

    private final JShellConfig config;
    private final int size;
    private final java.util.function.Supplier<JShellInstance> maker;
    private final java.nio.file.Path root;
    private final ExecutorService warmer;
    private final Deque<JShellInstance> idle = new ArrayDeque<>();
    private boolean closed;

    private JShellPool(JShellConfig config, int size, java.util.function.Supplier<JShellInstance> maker,
            java.nio.file.Path root) {
        if (size < 0) {
            throw new IllegalArgumentException("pool size " + size);
        }
        this.config = config;
        this.size = size;
        this.maker = maker;
        this.root = root;
        this.warmer = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "jshell-prewarm");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** A pool that starts filling itself to {@code size} idle instances at once. */
    public static JShellPool start(JShellConfig config, int size) {
        JShellPool pool = new JShellPool(config, size, () -> JShellInstance.start(config), null);
        pool.refillLater();
        return pool;
    }

    /**
     * A pool of REMOTE instances whose child JVMs wait in {@code sandbox}, each over {@code root}: for
     * sessions whose file root is {@code root} (a server without users); each instance's limit is
     * told to the session that takes it ({@link JShellEngines#factory(JShellConfig, JShellPool, Sandbox)}).
     */
    public static JShellPool confined(JShellConfig config, int size, dev.webrepl.engines.sandbox.Sandbox sandbox,
            java.nio.file.Path root) {
        java.nio.file.Path real;
        try {
            real = root.toRealPath();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        JShellPool pool = new JShellPool(config, size, () -> JShellEngines.confined(config, sandbox, "prewarm", real),
                real);
        pool.refillLater();
        return pool;
    }

    /** The file root its instances' sandboxes are over, or null when they are not sandboxed. */
    java.nio.file.Path root() {
        return root;
    }

    public JShellConfig config() {
        return config;
    }

    /** A warm instance if one is idle, else a new one built now; either way the pool refills behind it. */
    public JShellInstance take() {
        JShellInstance instance;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("JShell pool closed");
            }
            instance = idle.pollFirst();
        }
        refillLater();
        return instance != null ? instance : maker.get();
    }

    /** How many warm instances the pool keeps ready ({@code --prewarm N}). */
    public int size() {
        return size;
    }

    /** How many warm instances wait to be taken. */
    public synchronized int idle() {
        return idle.size();
    }

    private void refillLater() {
        try {
            warmer.execute(this::refill);
        } catch (RejectedExecutionException closing) {
            // closed meanwhile: nothing to refill
        }
    }

    // Runs on the single warmer thread, so instances are built one at a time.
    private void refill() {
        while (true) {
            synchronized (this) {
                if (closed || idle.size() >= size) {
                    return;
                }
            }
            JShellInstance instance;
            try {
                instance = maker.get();
            } catch (RuntimeException e) {
                LOG.warn("could not prewarm a JShell instance", e);
                return;
            }
            synchronized (this) {
                if (!closed && idle.size() < size) {
                    idle.addLast(instance);
                    continue;
                }
            }
            instance.close();
            return;
        }
    }

    /** Closes the idle instances (and one being warmed); instances already taken belong to their sessions. */
    @Override
    public void close() {
        List<JShellInstance> toClose;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            toClose = List.copyOf(idle);
            idle.clear();
        }
        warmer.shutdown();
        toClose.forEach(JShellInstance::close);
        try {
            if (!warmer.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                LOG.warn("JShell prewarm thread still busy after {} s", CLOSE_WAIT_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
