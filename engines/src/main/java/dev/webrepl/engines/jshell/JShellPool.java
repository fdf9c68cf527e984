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
    // --prewarm auto: the size follows the session start rate (null: a fixed size).
    private final PoolSizing sizing;
    private final java.util.function.Function<CompileGate, JShellInstance> maker;
    private final java.nio.file.Path root;
    // The compile gate of the pool's instances, and of the sessions that start their own beside it.
    private final CompileGate gate;
    private final ExecutorService warmer;
    private final Deque<JShellInstance> idle = new ArrayDeque<>();
    private boolean closed;

    private JShellPool(JShellConfig config, int size, PoolSizing sizing,
            java.util.function.Function<CompileGate, JShellInstance> maker, java.nio.file.Path root) {
        if (size < 0) {
            throw new IllegalArgumentException("pool size " + size);
        }
        this.config = config;
        this.size = size;
        this.sizing = sizing;
        this.maker = maker;
        this.root = root;
        this.gate = CompileGate.forThisMachine();
        this.warmer = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "jshell-prewarm");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** A pool that starts filling itself to {@code size} idle instances at once. */
    public static JShellPool start(JShellConfig config, int size) {
        JShellPool pool = new JShellPool(config, size, null, gate -> JShellInstance.start(config, gate), null);
        pool.refillLater();
        return pool;
    }

    /**
     * A pool whose size follows the recent session start rate ({@code --prewarm auto}): between 1 and
     * {@code max} warm instances ({@link PoolSizing}).
     */
    public static JShellPool auto(JShellConfig config, int max) {
        JShellPool pool = new JShellPool(config, max, new PoolSizing(max), gate -> JShellInstance.start(config, gate),
                null);
        pool.refillLater();
        return pool;
    }

    /**
     * A pool of REMOTE instances whose child JVMs wait in {@code sandbox}, each over {@code root}: for
     * sessions whose file root is {@code root} (a server without users); each instance's limit is
     * told to the session that takes it ({@link JShellEngines#factory(JShellConfig, JShellPool, Sandbox)}).
     */
    public static JShellPool confined(JShellConfig config, int size, boolean auto,
            dev.webrepl.engines.sandbox.Sandbox sandbox, java.nio.file.Path root) {
        java.nio.file.Path real;
        try {
            real = root.toRealPath();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        JShellPool pool = new JShellPool(config, size, auto ? new PoolSizing(size) : null,
                gate -> JShellEngines.confined(config, sandbox, "prewarm", real, gate).awaitStarted(), real);
        pool.refillLater();
        return pool;
    }

    /** The file root its instances' sandboxes are over, or null when they are not sandboxed. */
    java.nio.file.Path root() {
        return root;
    }

    /** The compile gate its instances evaluate through. */
    CompileGate gate() {
        return gate;
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
        if (sizing != null) {
            sizing.started(System.nanoTime());
        }
        refillLater();
        return instance != null ? instance : build();
    }

    /**
     * An instance built now as the pool builds its own (its maker, its gate), for the caller alone: no
     * idle one is taken, none is added, and the size of {@code --prewarm auto} does not count it (the
     * warm-up's, {@link JShellWarmUp}).
     */
    JShellInstance make() {
        return maker.apply(gate);
    }

    /**
     * Runs {@code task} on the pool's thread once what is queued there before it (the first fill) is
     * done; false if the pool is closed.
     */
    boolean afterQueued(Runnable task) {
        try {
            warmer.execute(task);
            return true;
        } catch (RejectedExecutionException closing) {
            return false;
        }
    }

    /** How many warm instances the pool keeps ready now ({@code --prewarm N}, or auto's current target). */
    public int size() {
        return sizing == null ? size : sizing.target(System.nanoTime());
    }

    /** Whether the size follows the session start rate ({@code --prewarm auto}). */
    public boolean auto() {
        return sizing != null;
    }

    private JShellInstance build() {
        long start = System.nanoTime();
        JShellInstance instance = maker.apply(gate);
        if (sizing != null) {
            sizing.built(System.nanoTime() - start);
        }
        return instance;
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
            int target = size();
            JShellInstance extra = null;
            synchronized (this) {
                if (!closed && idle.size() > target) {
                    extra = idle.pollFirst(); // auto's target went down: the oldest warm instance goes
                } else if (closed || idle.size() >= target) {
                    return;
                }
            }
            if (extra != null) {
                extra.close();
                continue;
            }
            JShellInstance instance;
            try {
                instance = build();
            } catch (RuntimeException e) {
                LOG.warn("could not prewarm a JShell instance", e);
                return;
            }
            synchronized (this) {
                if (!closed && idle.size() < size()) {
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
