package dev.webrepl.transport.server;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Runs the file steps of connections (file I/O, which may block in the kernel: a FIFO, a hung mount)
 * so that stuck steps hold up only their own connection and, past a bound, their own address (issue
 * 15.6): at most {@code perAddress} steps of one address run at once, the others of that address wait
 * their turn in order, and the pool's thread cap is far above what one address may hold.
 */
final class FileSteps {
    /** Peers without an IP address (none over TCP) share one lane. */
    private static final Object NO_ADDRESS = new Object();

    private record Step(Runnable run, Runnable rejected) {
    }

    /** The steps of one address: how many run, and the ones waiting for a turn. */
    private static final class Lane {
        int running;
        final ArrayDeque<Step> waiting = new ArrayDeque<>();
    }

    private final Scheduler pool;
    private final int perAddress;
    /** Guarded by this; a lane is removed when its address has nothing running. */
    private final Map<Object, Lane> lanes = new HashMap<>();

    FileSteps(int threads, int perAddress, String name) {
        this.pool = Schedulers.newBoundedElastic(threads, Integer.MAX_VALUE, name, 60, true);
        this.perAddress = perAddress;
    }

    /** Runs {@code step} for a connection from {@code address} (null: not IP); {@code rejected} instead once disposed. */
    void submit(Object address, Runnable step, Runnable rejected) {
        Object key = address == null ? NO_ADDRESS : address;
        Step s = new Step(step, rejected);
        synchronized (this) {
            Lane lane = lanes.computeIfAbsent(key, k -> new Lane());
            if (lane.running >= perAddress) {
                lane.waiting.add(s);
                return;
            }
            lane.running++;
        }
        start(key, s);
    }

    /** Steps of {@code address} running now (for tests and diagnostics). */
    synchronized int running(Object address) {
        Lane lane = lanes.get(address == null ? NO_ADDRESS : address);
        return lane == null ? 0 : lane.running;
    }

    private void start(Object key, Step s) {
        try {
            pool.schedule(() -> {
                try {
                    s.run().run();
                } finally {
                    finished(key);
                }
            });
        } catch (RejectedExecutionException disposed) {
            s.rejected().run();
            finished(key);
        }
    }

    private void finished(Object key) {
        Step next;
        synchronized (this) {
            Lane lane = lanes.get(key);
            next = lane.waiting.poll();
            if (next == null && --lane.running == 0) {
                lanes.remove(key);
            }
        }
        if (next != null) {
            start(key, next);
        }
    }

    void dispose() {
        pool.dispose();
    }
}
